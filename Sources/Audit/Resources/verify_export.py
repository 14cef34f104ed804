#!/usr/bin/env python3
"""Verifies a Gongfu audit export with standard tools only: sha256sum, lz4 and Python 3
(no extra packages); openssl, when present, checks the checkpoint's Ed25519 signature.

It checks that every file is the one exported (SHA256SUMS), that the segments decompress with
the stock lz4 tool, that the events FROM..TO are there with gapless seqs, and that the Merkle
tree (RFC 6962/9162) extended from the exported prefix peaks with those events has exactly the
root the signed checkpoint states for size TO.

Usage: python3 verify.py [EXPORT_DIR]     (exit 0 only when everything checks out)
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile


def fail(message):
    print("NOT VERIFIED: " + message)
    sys.exit(1)


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf(line):
    return hashlib.sha256(b"\x00" + line).digest()


def main():
    root_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__))
    os.chdir(root_dir)
    with open("export.json", encoding="utf-8") as handle:
        manifest = json.load(handle)
    first, last = manifest["from"], manifest["to"]

    # 1. Every file is as exported.
    result = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], capture_output=True, text=True)
    if result.returncode != 0:
        fail("sha256sum --check SHA256SUMS: " + (result.stdout + result.stderr).strip())
    print("ok  files match SHA256SUMS")

    # 2. The segments decompress with the stock lz4 tool; the events are the lines.
    lines = []
    for segment in manifest["segments"]:
        result = subprocess.run(["lz4", "-dc", segment], capture_output=True)
        if result.returncode != 0:
            fail("lz4 -dc %s failed: %s" % (segment, result.stderr.decode(errors="replace").strip()))
        lines.extend(result.stdout.split(b"\n")[:-1])
    events = {}
    for line in lines:
        seq = json.loads(line)["seq"]
        if first <= seq <= last:
            events[seq] = line
    missing = [seq for seq in range(first, last + 1) if seq not in events]
    if missing:
        fail("events missing from the export: seq %s" % missing[:10])
    print("ok  %d events, seq %d..%d gapless, decompressed with lz4" % (len(events), first, last))

    # 3. The tree of the first FROM-1 events (its peaks), extended with these events, has the
    #    root the checkpoint signs for size TO.
    stack = []  # (height, hash), heights strictly decreasing
    size = 0
    for peak in manifest["peaks"]:
        height = (first - 1 - size).bit_length() - 1
        stack.append((height, base64.b64decode(peak)))
        size += 1 << height
    if size != first - 1:
        fail("the peaks do not cover the first %d events" % (first - 1))
    for seq in range(first, last + 1):
        current = (0, leaf(events[seq]))
        while stack and stack[-1][0] == current[0]:
            height, left = stack.pop()
            current = (height + 1, node(left, current[1]))
        stack.append(current)
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = node(left, root)

    with open(manifest["checkpoint"], encoding="utf-8") as handle:
        note = handle.read()
    body, _, signatures = note.partition("\n\n")
    origin, tree_size, tree_root = body.split("\n")[:3]
    if int(tree_size) != last:
        fail("the checkpoint is for size %s, not %d" % (tree_size, last))
    if base64.b64decode(tree_root) != root:
        fail("recomputed root %s differs from the checkpoint's %s" % (base64.b64encode(root).decode(), tree_root))
    print("ok  Merkle root at size %d = %s, as the checkpoint of %s states" % (last, tree_root, origin))

    # 4. The checkpoint's signature (Ed25519, signed note), with openssl when it is installed.
    with open("checkpoint.pub", encoding="utf-8") as handle:
        name, key_id, key = handle.read().strip().split("+", 2)
    public_key = base64.b64decode(key)[1:]
    signature = None
    for line in signatures.strip().split("\n"):
        parts = line.split(" ")
        blob = base64.b64decode(parts[2])
        if parts[1] == name and blob[:4].hex() == key_id:
            signature = blob[4:]
    if signature is None:
        fail("the checkpoint carries no signature by %s+%s" % (name, key_id))
    if shutil.which("openssl") is None:
        print("--  signature not checked: openssl is not installed")
        return
    der = bytes.fromhex("302a300506032b6570032100") + public_key
    with tempfile.TemporaryDirectory() as scratch:
        paths = [os.path.join(scratch, name) for name in ("key.pem", "body.txt", "sig.bin")]
        with open(paths[0], "w") as handle:
            handle.write("-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % base64.b64encode(der).decode())
        with open(paths[1], "wb") as handle:
            handle.write((body + "\n").encode())
        with open(paths[2], "wb") as handle:
            handle.write(signature)
        result = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths[0], "-rawin", "-in", paths[1], "-sigfile", paths[2]],
                                capture_output=True, text=True)
    if result.returncode != 0:
        fail("the checkpoint's Ed25519 signature does not verify: " + (result.stdout + result.stderr).strip())
    print("ok  checkpoint signature verified with openssl (Ed25519, key %s+%s)" % (name, key_id))


if __name__ == "__main__":
    main()
    print("VERIFIED")
