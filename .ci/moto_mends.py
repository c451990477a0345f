"""Mends to the pinned moto (5.2.5) for the APIs this Terraform configuration needs and moto
serves wrongly or not at all; each is printed when applied. Usage: moto_mends.py VENV
"""
import pathlib
import sys

venv = pathlib.Path(sys.argv[1])
site = next(venv.glob("lib/python3*/site-packages"))
MENDS = []


def mend(relative, old, new, why):
    path = site / "moto" / relative
    text = path.read_text()
    if new in text:
        print(f"moto mend (already applied): {why}")
        return
    if old not in text:
        raise SystemExit(f"moto mend no longer applies ({relative}): {why}")
    path.write_text(text.replace(old, new, 1))
    print(f"moto mend: {why}")


for args in MENDS:
    mend(*args)
print(f"moto: {len(MENDS)} mends, plus MOTO_IAM_LOAD_MANAGED_POLICIES=true (AWS-managed IAM policies)")
