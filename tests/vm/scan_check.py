#!/usr/bin/env python3
"""Checks what `mediasan scan --json` said in the guest against what the harness gave
each emulated drive (drives.txt) and what QEMU is known to answer (fixtures/sense/).

Usage: scan_check.py CONSOLE_LOG DRIVES_TXT
Prints one `VMCHECK host.scan.<drive>.<fact> ok|fail <detail>` line per fact; run.sh counts
them with the guest's."""

import json
import sys

MIB = 1 << 20


def records(log, phase):
    out = []
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            prefix = f"VMSCAN {phase} "
            if line.startswith(prefix):
                out.append(json.loads(line[len(prefix):]))
    return out


def drives(path):
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            kind, serial, vendor, model, size, ro, usb = line.split()
            rows.append(dict(kind=kind, serial=serial, vendor=vendor, model=model,
                             size=int(size), ro=ro == "1", usb=usb))
    return rows


# What each kind must show besides its size and serial: transport, where the serial comes
# from, and facts of QEMU's emulation (see tests/vm/README.md and fixtures/sense/README.md).
EXPECT = {
    "ahci": dict(transport="sata", serial_source="ATA IDENTIFY DEVICE", ata="known",
                 hpa="none", dco="none", security="not supported", wipeable=True,
                 firmware="2.5+"),
    "nvme": dict(transport="nvme", serial_source="NVMe Identify Controller", ata="not-applicable",
                 nvme="known", hpa="not-applicable", model="QEMU NVMe Ctrl", firmware="10.0.2",
                 erase=["nvme-format-user"], wipeable=True),
    # The same controller, its namespace an nvme-ns device of its own.
    "nvme-ns": dict(transport="nvme", serial_source="NVMe Identify Controller", ata="not-applicable",
                    nvme="known", hpa="not-applicable", model="QEMU NVMe Ctrl", firmware="10.0.2",
                    erase=["nvme-format-user"], wipeable=True),
    "usb-bot": dict(transport="usb", usb_driver="usb-storage", serial_source="USB bridge descriptor",
                    bridges=True, ata="unknown", hpa="unknown", wipeable=True),
    "usb-uas": dict(transport="usb", usb_driver="uas", serial_source="SCSI VPD page 0x80",
                    bridges=False, ata="unknown", hpa="unknown", wipeable=True),
    "virtio-scsi": dict(transport="scsi", serial_source="SCSI VPD page 0x80", ata="unknown",
                        hpa="not-applicable", wipeable=True),
    "virtio-blk": dict(transport="virtio", serial_source="sysfs", ata="not-applicable",
                       hpa="not-applicable", wipeable=False, read_only=True),
}


def main():
    log, table = sys.argv[1], sys.argv[2]
    results = []

    def check(name, ok, detail=""):
        results.append(f"VMCHECK host.scan.{name} {'ok' if ok else 'fail ' + detail}")

    before = records(log, "before")
    after = records(log, "registered")
    check("printed", bool(before) and bool(after), f"{len(before)} records before, {len(after)} after")
    # The NVMe multipath node the kernel hides is not listed.
    names = [r["name"] for r in before]
    check("hidden-nodes-skipped", not any("c" in n[4:] for n in names if n.startswith("nvme")),
          f"listed: {names}")
    for d in drives(table):
        kind = d["kind"]
        want = EXPECT[kind]
        serial = d["usb"] if want.get("bridges") else d["serial"]
        found = [r for r in before if r.get("transport") == want["transport"] and r.get("size") == d["size"]]
        if len(found) != 1:
            check(f"{kind}.found", False, f"{len(found)} records of {want['transport']} with size {d['size']}")
            continue
        r = found[0]
        got = {
            "serial": r.get("serial"),
            "serial_source": r.get("serial_source"),
            "usb_driver": r.get("usb_driver"),
            "bridges": r.get("serial_is_bridges"),
            "ata": (r.get("ata") or {}).get("state"),
            "nvme": (r.get("nvme") or {}).get("state"),
            "hpa": ((r.get("hidden_areas") or {}).get("hpa") or {}).get("state"),
            "dco": ((r.get("hidden_areas") or {}).get("dco") or {}).get("state"),
            "security": r.get("security"),
            "wipeable": r.get("wipeable"),
            "read_only": r.get("read_only"),
            "model": r.get("model"),
            "firmware": r.get("firmware"),
            "erase": r.get("erase_commands"),
        }
        check(f"{kind}.serial", got["serial"] == serial, f"{got['serial']!r}, not {serial!r}")
        for key in ("serial_source", "usb_driver", "bridges", "ata", "nvme", "hpa", "dco",
                    "security", "wipeable", "read_only", "model", "firmware", "erase"):
            if key in want:
                check(f"{kind}.{key}", got[key] == want[key], f"{got[key]!r}, not {want[key]!r}")
        if d["model"] != "-" and "model" not in want:
            # The drive's own model comes before the kernel's 16-character cut.
            check(f"{kind}.model", got["model"] == d["model"], f"{got['model']!r}, not {d['model']!r}")
        check(f"{kind}.sectors", r.get("logical_sector") == 512, f"logical {r.get('logical_sector')}")
        check(f"{kind}.not-in-use", r.get("in_use") == [] and r.get("backs_system") is False,
              f"in_use {r.get('in_use')}, backs_system {r.get('backs_system')}")
        problems = r.get("serial_problems") or []
        if want.get("bridges"):
            check(f"{kind}.bridge-serial-flagged", any("bridge" in p for p in problems), f"{problems}")
        else:
            check(f"{kind}.serial-fit-for-a-carrier", problems == [], f"{problems}")
        if d["ro"]:
            check(f"{kind}.refused-why", "read-only" in (r.get("refused") or ""), f"{r.get('refused')!r}")
        # After registration: the SATA drive is the register's carrier, the others are none.
        later = [x for x in after if x.get("path") == r.get("path")]
        carriers = later[0].get("carriers") if later else None
        if kind == "ahci":
            check(f"{kind}.carrier", bool(carriers) and carriers[0].get("status") == "in-store",
                  f"{carriers}")
        else:
            check(f"{kind}.no-carrier", carriers == [], f"{carriers}")
    print("\n".join(results))


if __name__ == "__main__":
    main()
