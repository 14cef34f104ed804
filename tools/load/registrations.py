#!/usr/bin/env python3
"""Writes a wrk Lua module with N EnterpriseRegistered bodies for new, valid USCCs (GB 32100
check character and GB 11714 organisation check digit), for the mixed read + append load."""
import sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORGANISATION_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def organisation_check(body):
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORGANISATION_WEIGHTS))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def uscc(division, serial):
    first17 = "91" + division + serial + organisation_check(serial)
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + ALPHABET[(31 - total % 31) % 31]


def main():
    count, prefix, output = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(output, "w", encoding="utf-8") as lua:
        lua.write("return {\n")
        for number in range(count):
            code = uscc("370202", prefix + str(number).zfill(8 - len(prefix)))
            body = ('{"stream":"enterprise/%s","type":"EnterpriseRegistered","occurred":"2026-11-02",'
                    '"data":{"name":"压测精密机械有限公司","uscc":"%s","city":"370200","county":"370202",'
                    '"industry":"C3484","chains":["高端装备"],"yearEntered":2026}}') % (code, code)
            lua.write("[[%s]],\n" % body)
        lua.write("}\n")


if __name__ == "__main__":
    main()
