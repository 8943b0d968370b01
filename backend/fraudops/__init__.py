"""fraudops: credit-card fraud detection with gated model promotion."""

import os

__version__ = "0.1.0"

# Before anything imports NumPy: leave out its AVX-512 kernels (it falls back to AVX2). On the Xeons this
# was measured on, a NumPy ufunc on AVX-512 next to ONNX Runtime's call made that call ~15 µs slower, every
# time; one decision on one row went from 97 to 69 µs with them left out (benchmarks/realtime.py, and
# docs/benchmarks.md). A value set in the environment, even empty, wins; machines without AVX-512 and
# other architectures are unaffected.
os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4")
