#!/usr/bin/env python3
"""`make bench` entry point: runs Benchmarks/bench.sh (see there), passing arguments through."""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
os.execv("/usr/bin/env", ["env", "bash", os.path.join(here, "bench.sh"), *sys.argv[1:]])
