# gdhash64 from its definition in src/io/hash.h, written apart from the C
# code: the known answers of tests/test_cache.c (run: python3 tests/hash_reference.py).
import struct, sys
M64 = (1 << 64) - 1
M = 0x9e3779b97f4a7c15
K = [0x6a09e667f3bcc909, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1]

def xs(v): return v ^ (v >> 32)
def step(lane, w): return xs(((lane ^ w) * M) & M64)
def fin(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)

def gdhash64(data, seed):
    lane = [(seed + k) & M64 for k in K]
    padded = data + b"\0" * ((-len(data)) % 8)
    for i in range(len(padded) // 8):
        w = struct.unpack_from("<Q", padded, 8 * i)[0]
        lane[i % 4] = step(lane[i % 4], w)
    h = fin(seed ^ ((len(data) * M) & M64))
    for i in range(4):
        h = (fin(h ^ lane[i]) + i) & M64
    return fin(h)

cases = [(b"", 0), (b"a", 0), (b"abc", 0), (b"abc\0", 0), (b"abc", 1),
         (bytes(range(32)), 0), (bytes(range(100)), 7), (b"price,area\n1,2\n", 0)]
for data, seed in cases:
    print("%r seed %d -> 0x%016x" % (data[:20], seed, gdhash64(data, seed)))
