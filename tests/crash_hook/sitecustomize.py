"""Test-only: make a real native crash in a backend, in whatever process loads it.

Put this folder first on PYTHONPATH and set EDGEBENCH_TEST_CRASH=MARKER:N. Every Python
process started with it (the run, its child processes) wraps `edge.backend.open_backend`:
a backend loaded from a path containing MARKER dies of SIGSEGV (a read of address 0
through ctypes) at its N-th generate() call, or, batched (generate_many), as its N-th result
is about to be handed back: either way N-1 items are finished. Nothing outside tests/ knows
about it.
"""

import os

_SPEC = os.environ.get("EDGEBENCH_TEST_CRASH")

if _SPEC:
    import ctypes

    import edge.backend

    _marker, _, _nth = _SPEC.rpartition(":")
    _original = edge.backend.open_backend

    def _open_backend(name, model_path, settings):
        backend = _original(name, model_path, settings)
        if _marker in str(model_path):
            generate, calls = backend.generate, []

            def crashing_generate(messages, sampling):
                calls.append(1)
                if len(calls) >= int(_nth):
                    ctypes.string_at(0)  # SIGSEGV, as a runtime's native code would
                return generate(messages, sampling)

            backend.generate = crashing_generate
            if hasattr(backend, "generate_many"):
                generate_many = backend.generate_many

                def crashing_generate_many(*args, **kwargs):
                    for result in generate_many(*args, **kwargs):
                        calls.append(1)
                        if len(calls) >= int(_nth):
                            ctypes.string_at(0)
                        yield result

                backend.generate_many = crashing_generate_many
        return backend

    edge.backend.open_backend = _open_backend
