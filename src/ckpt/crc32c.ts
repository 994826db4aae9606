/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final xor ~0), the checksum of
 * checkpoint images (docs/formats/ckpt.md); the C side is pw_crc32c_update in native/common/ckpt_image.h.
 * crc32c(buf, crc) continues a running value, so crc32c(b, crc32c(a)) === crc32c(a ++ b). Pure.
 * Slicing-by-8 tables: a few hundred MB/s, enough for verify; the restarter uses the SSE4.2 instruction.
 */
const T: Uint32Array[] = [];
{
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i;
    for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ 0x82f63b78 : r >>> 1;
    t0[i] = r >>> 0;
  }
  T.push(t0);
  for (let s = 1; s < 8; s++) {
    const t = new Uint32Array(256);
    for (let i = 0; i < 256; i++) t[i] = (T[s - 1][i] >>> 8) ^ t0[T[s - 1][i] & 0xff];
    T.push(t);
  }
}
const [t0, t1, t2, t3, t4, t5, t6, t7] = T;

export function crc32c(buf: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  let i = 0;
  const n = buf.length;
  for (; i + 8 <= n; i += 8) {
    const a = (c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
    c =
      t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
      t3[buf[i + 4]] ^ t2[buf[i + 5]] ^ t1[buf[i + 6]] ^ t0[buf[i + 7]];
  }
  for (; i < n; i++) c = (c >>> 8) ^ t0[(c ^ buf[i]) & 0xff];
  return ~c >>> 0;
}
