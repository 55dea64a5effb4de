#!/usr/bin/env python3
"""Copies the error codes of crates/api/src/error.rs into crates/server/openapi.json (ErrorCode enum).
The server test `headers_openapi_and_unknown_routes` fails until this has been run after a new code."""
import json, pathlib, re

root = pathlib.Path(__file__).resolve().parent.parent
src = (root / "crates/api/src/error.rs").read_text()
body = re.search(r"pub fn as_str\(self\).*?match self \{(.*?)\n        \}", src, re.S).group(1)
codes = re.findall(r'=> "([A-Z0-9_]+)",', body)
path = root / "crates/server/openapi.json"
doc = json.loads(path.read_text())
doc["components"]["schemas"]["ErrorCode"]["enum"] = codes
path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
print(f"{len(codes)} codes")
