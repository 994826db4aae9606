/**
 * C printf's %g for doubles, exactly as glibc prints it: formatG(x, precision, width).
 *
 * ministat prints with "%13.8g" and "%g"; to agree with it to the last digit this converts the double
 * to its exact decimal expansion (every double is m * 2^e, a finite decimal) and rounds half to even
 * on that, as glibc does, instead of trusting toPrecision's ties-away rounding. Pure; no locale.
 */

/** The exact decimal digits of |x| (finite, non-zero) and the power of ten of the first digit. */
function exactDecimal(x: number): { digits: string; exp: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  let digits: string;
  let point: number; // number of digits before the decimal point
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    point = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    point = digits.length + e2; // value = digits * 10^e2
  }
  const lead = digits.search(/[1-9]/);
  digits = digits.slice(lead).replace(/0+$/, '');
  return { digits, exp: point - lead - 1 };
}

/** Round the digit string to n significant digits, half to even on the exact value. */
function roundDigits(digits: string, exp: number, n: number): { digits: string; exp: number } {
  if (digits.length <= n) return { digits: digits.padEnd(n, '0'), exp };
  const keep = digits.slice(0, n);
  const rest = digits.slice(n);
  const first = rest.charCodeAt(0) - 48;
  const tail = rest.slice(1).replace(/0+$/, '');
  const last = keep.length > 0 ? keep.charCodeAt(keep.length - 1) - 48 : 0;
  const up = first > 5 || (first === 5 && (tail.length > 0 || last % 2 === 1));
  if (!up) return { digits: keep, exp };
  const bumped = (BigInt(keep) + 1n).toString();
  if (bumped.length > n) return { digits: bumped.slice(0, n), exp: exp + 1 };
  return { digits: bumped, exp };
}

/** %.{p}g without width: the text glibc prints for x. */
export function formatG(x: number, precision = 6, width = 0): string {
  let s: string;
  if (Number.isNaN(x)) s = '-nan'; // x86-64 sqrt of a negative gives the negative default NaN, as ministat shows
  else if (!Number.isFinite(x)) s = x < 0 ? '-inf' : 'inf';
  else if (x === 0) s = Object.is(x, -0) ? '-0' : '0';
  else {
    const P = precision === 0 ? 1 : precision;
    const sign = x < 0 ? '-' : '';
    const ex = exactDecimal(x);
    const r = roundDigits(ex.digits, ex.exp, P);
    const X = r.exp;
    if (X < P && X >= -4) {
      // %f with precision P-1-X
      let body: string;
      if (X >= 0) body = r.digits.slice(0, X + 1) + '.' + r.digits.slice(X + 1);
      else body = '0.' + '0'.repeat(-X - 1) + r.digits;
      body = body.replace(/0+$/, '').replace(/\.$/, '');
      s = sign + body;
    } else {
      let m = r.digits[0] + '.' + r.digits.slice(1);
      m = m.replace(/0+$/, '').replace(/\.$/, '');
      const ae = Math.abs(X);
      s = `${sign}${m}e${X < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
    }
  }
  return s.length < width ? s.padStart(width) : s;
}

/** %.{p}f for a positive precision, for the "%.1f%%" of the confidence line (exact, half-even). */
export function formatF(x: number, precision: number): string {
  if (!Number.isFinite(x)) return formatG(x);
  if (x === 0) return (Object.is(x, -0) ? '-' : '') + '0.' + '0'.repeat(precision);
  const ex = exactDecimal(x);
  const n = ex.exp + 1 + precision; // significant digits to keep
  const sign = x < 0 ? '-' : '';
  if (n <= 0) {
    // rounds to 0 or to one unit of the last place
    const half = n === 0 && (ex.digits[0] > '5' || (ex.digits[0] === '5' && ex.digits.length > 1));
    return sign + (half ? '0.' + '0'.repeat(precision - 1) + '1' : '0.' + '0'.repeat(precision));
  }
  const r = roundDigits(ex.digits, ex.exp, n);
  const all = r.exp >= 0 ? r.digits.padEnd(r.exp + 1 + precision, '0') : '0'.repeat(-r.exp) + r.digits;
  const intLen = all.length - precision;
  return `${sign}${all.slice(0, intLen) || '0'}.${all.slice(intLen)}`;
}
