"""Refreshes tests/module_seconds.json (the order xdist hands test files out in, see tests/conftest.py)
from a JUnit XML report: ``scripts/test --junitxml=/tmp/junit.xml``, then
``python -m tests.module_seconds /tmp/junit.xml``."""

from __future__ import annotations

import collections
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

OUT = Path(__file__).parent / "module_seconds.json"


def module_of(classname: str) -> str:
    parts: list[str] = []
    for part in classname.split("."):
        parts.append(part)
        if part.startswith("test_"):
            break
    return "/".join(parts) + ".py"


def main(report: str) -> None:
    seconds: collections.Counter[str] = collections.Counter()
    for case in ET.parse(report).iter("testcase"):
        seconds[module_of(case.get("classname", ""))] += float(case.get("time", 0))
    slow = {module: round(total) for module, total in seconds.most_common() if total >= 5}
    OUT.write_text(json.dumps(slow, indent=0) + "\n")
    print(f"{len(slow)} files of 5 s or more, {round(sum(seconds.values()))} s in all -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
