#!/usr/bin/python3
"""Writes tests/golden/shortest.txt: doubles (as 16 hex digits of their bits)
and the shortest decimal that reads back as each, by Python's repr (which is
the shortest round-trip string, nearest to the value among the shortest).

    python3 tests/golden/make_shortest.py > tests/golden/shortest.txt

Random bit patterns (every exponent alike), random subnormals, and edge cases.
"""
import math
import random
import struct


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def main():
    rnd = random.Random(20261206)
    values = []
    edges = [0x0000000000000000, 0x8000000000000000, 0x0000000000000001,
             0x8000000000000001, 0x000FFFFFFFFFFFFF, 0x0010000000000000,
             0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF, 0x3FF0000000000000,
             0x4340000000000000, 0x433FFFFFFFFFFFFF, 0x3FB999999999999A]
    values += edges
    for x in [0.99, 0.1 + 0.2, 1 / 3, 2.0 ** 53, 2.0 ** 53 + 2, 1e16, 1e15, 123456.0,
              1e300, 1e-300, 9007199254740993.0, 5e-324, 1.7976931348623157e308]:
        values.append(struct.unpack("<Q", struct.pack("<d", x))[0])
    while len(values) < 600:
        b = rnd.getrandbits(64)
        if math.isfinite(from_bits(b)):
            values.append(b)
    for _ in range(200):  # subnormals
        values.append(rnd.getrandbits(52) | (rnd.getrandbits(1) << 63))
    for _ in range(200):  # short decimals, as data files hold them
        x = round(rnd.uniform(-1000, 1000), rnd.randint(0, 6))
        values.append(struct.unpack("<Q", struct.pack("<d", x))[0])
    for b in values:
        print("%016x %s" % (b, repr(from_bits(b))))


main()
