"""Print what importing each module loads, each in a fresh child of this interpreter.

    python -I import_probe.py PRELOAD MODULE...

PRELOAD is a comma-separated list (maybe empty) of libraries this interpreter imports
before it forks the children, so that they need not each import them again. A child
then imports one MODULE and writes one JSON line to stdout: {"module": ...,
"loaded": [the top-level name of everything in sys.modules]} or {"module": ...,
"error": ...}. What was preloaded is in every child's list, so it can hide nothing,
but it is reported for every module: preload only what each MODULE may load.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any


def report(module: str) -> dict[str, Any]:
    try:
        importlib.import_module(module)
    except BaseException as error:  # any failure is the report, not the probe's end
        return {"module": module, "error": f"{type(error).__name__}: {error}"}
    return {"module": module, "loaded": sorted({name.partition(".")[0] for name in sys.modules})}


def probe(module: str) -> str:
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        with os.fdopen(write, "w") as pipe:
            pipe.write(json.dumps(report(module)))
        os._exit(0)  # the child leaves without running the parent's exit handlers
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = pipe.read()
    os.wait()
    return answer


def main(preload: str, *modules: str) -> None:
    for library in filter(None, preload.split(",")):
        importlib.import_module(library)
    for module in modules:
        print(probe(module), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
