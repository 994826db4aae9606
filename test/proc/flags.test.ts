/**
 * The FLAG and TP columns of `pagewise maps` on a process that sets each case up for real (python3
 * with ctypes): a shared anonymous mapping (sw, no C), private memory written before a fork (C and N:
 * its pages are still shared with the child), private memory written after the fork (C only), and an
 * mlock-ed mapping (W). The python process prints the addresses, then sleeps until killed; its
 * forked child dies with it (PR_SET_PDEATHSIG).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readRegions } from '../../src/proc/maps.js';
import { procstatVmRows } from '../../src/proc/procstat.js';
import { needs } from '../helpers/cli.js';

const SCRIPT = `
import mmap, ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
P = 4096
def anon(pages, shared=False):
    m = mmap.mmap(-1, pages * P, flags=(mmap.MAP_SHARED if shared else mmap.MAP_PRIVATE) | mmap.MAP_ANONYMOUS)
    for i in range(pages): m[i * P] = 1
    return m, ctypes.addressof(ctypes.c_char.from_buffer(m))
shared, a_shared = anon(4, True)
before, a_before = anon(16)
if os.fork() == 0:
    libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: die with the parent
    time.sleep(30); os._exit(0)
after, a_after = anon(8)
locked, a_locked = anon(2)
ok = libc.mlock(ctypes.c_void_p(a_locked), ctypes.c_size_t(2 * P)) == 0
print(a_shared, a_before, a_after, a_locked, int(ok), flush=True)
time.sleep(30)
`;

test('FLAG and TP on real mappings: sw shared, C+N before fork, C after, W locked', { skip: needs('python3') }, async () => {
  const py = spawn('python3', ['-c', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line: string = await new Promise((res, rej) => {
      createInterface({ input: py.stdout! }).once('line', res);
      py.once('exit', (c) => rej(new Error(`python3 exited ${c}`)));
    });
    const [shared, before, after, locked, mlockOk] = line.trim().split(' ').map((x) => BigInt(x));
    const rows = procstatVmRows(py.pid!, (await readRegions(py.pid!)).regions);
    const at = (a: bigint) => {
      const r = rows.find((x) => x.start <= a && a < x.end);
      assert.ok(r, `no region holds 0x${a.toString(16)}`);
      return r;
    };
    const s = at(shared);
    assert.equal(s.tp, 'sw');
    assert.equal(s.flag, '-----');
    assert.equal(s.res, 4);
    const b = at(before);
    assert.equal(b.tp, 'df');
    assert.equal(b.flag.slice(0, 2), 'CN', 'written before the fork: shared with the child until written again');
    assert.ok(b.shd >= 16, `SHD ${b.shd}`);
    const a = at(after);
    assert.equal(a.flag.slice(0, 2), 'C-', 'written after the fork: private copies');
    assert.ok(a.pres >= 8, `PRES ${a.pres}`);
    if (mlockOk === 1n) assert.equal(at(locked).flag[4], 'W');
  } finally {
    py.kill('SIGKILL');
  }
});
