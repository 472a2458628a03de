#!/usr/bin/env python3
"""Seconds one Argon2id hash takes here with the server's default parameters (t=2, m=19456 KiB,
p=1, 32-byte output), through the same libargon2 the server links: the median of N runs.

    argon2-time.py [N] [T_COST] [M_COST_KIB] [PARALLELISM]
"""
import ctypes
import ctypes.util
import statistics
import sys
import time

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
t_cost = int(sys.argv[2]) if len(sys.argv) > 2 else 2
m_cost = int(sys.argv[3]) if len(sys.argv) > 3 else 19456
parallelism = int(sys.argv[4]) if len(sys.argv) > 4 else 1

library = ctypes.CDLL(ctypes.util.find_library("argon2") or "libargon2.so.1")
password, salt = b"bench password 0123", b"0123456789abcdef"
output = ctypes.create_string_buffer(32)
timings = []
for _ in range(runs):
    start = time.perf_counter()
    status = library.argon2id_hash_raw(t_cost, m_cost, parallelism, password, len(password), salt, len(salt), output, 32)
    timings.append(time.perf_counter() - start)
    if status != 0:
        sys.exit(f"argon2id_hash_raw failed: {status}")
print(f"{statistics.median(timings):.6f}")
