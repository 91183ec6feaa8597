#!/usr/bin/env python3
"""pii.py -- invented Moroccan personal records for the leak-detection tests.

Every value is made up; the check digits follow the published rules (docs/leak.md), so ribat's validators
accept them. Deterministic for a given seed. Used by gen_pcaps.py (captures) and tests/integration/run.py
(expected counts, and the privacy check that greps every output for every value).
"""
import random

FIRST = "Mohamed Fatima Youssef Khadija Ahmed Aicha Omar Salma Hassan Meryem Karim Nadia".split()
LAST = "Alaoui Bennani Tazi Idrissi Fassi Berrada Chraibi Amrani Benjelloun Lahlou Kettani Sqalli".split()
CIN_PREFIX = "A B BE BH BJ BK C D E F G H I J K L M N P Q R S T U V W X Y Z".split()
BANKS = ["007", "011", "013", "021", "022", "145", "181", "190", "225", "230"]


def cnss_key(d8):
    d = [int(c) for c in d8]
    s = 2 * (d[1] + d[3] + d[5] + d[7]) + d[2] + d[4] + d[6]
    return d8 + str((10 - s % 10) % 10)


def affil_key(d6):
    d = [int(c) for c in d6]
    s = 2 * (d[1] + d[3] + d[5]) + d[0] + d[2] + d[4]
    return d6 + str((10 - s % 10) % 10)


def rib_of(r):
    first22 = r.choice(BANKS) + "%03d" % r.randint(1, 999) + "".join(str(r.randint(0, 9)) for _ in range(16))
    return first22 + "%02d" % (97 - (int(first22) * 100) % 97)


def iban_ma(rib):
    num = "".join(str(int(c, 36)) for c in rib + "MA00")
    return "MA%02d%s" % (98 - int(num) % 97, rib)


def records(n, seed=7):
    r = random.Random(seed)
    affil = affil_key("%d" % r.randint(100000, 999999))
    out = []
    for i in range(n):
        fn, ln = r.choice(FIRST), r.choice(LAST)
        rib = rib_of(r)
        sub = r.choice("67") + "".join(str(r.randint(0, 9)) for _ in range(8))
        out.append({
            "nom": ln, "prenom": fn,
            "cin": r.choice(CIN_PREFIX) + str(r.randint(10000, 999999)),
            "cnss": cnss_key("1" + "".join(str(r.randint(0, 9)) for _ in range(7))),
            "salaire": r.randint(3000, 45000),
            "rib": rib, "iban": iban_ma(rib),
            "tel": r.choice(["+212", "0"]) + sub,
            "email": "%s.%s%d@mail.example.ma" % (fn.lower(), ln.lower(), i),
        })
    return affil, out


COLS = ("nom", "prenom", "cin", "cnss", "salaire", "rib", "iban", "tel", "email")


def to_csv(recs):
    lines = [";".join(COLS)] + [";".join(str(x[k]) for k in COLS) for x in recs]
    return ("\n".join(lines) + "\n").encode()


def to_json(affil, recs):
    import json
    return json.dumps({"employeur": affil, "salaries": recs}).encode()


def to_ebds(affil, recs):
    out = []
    for x in recs:
        name = ("%s %s" % (x["nom"], x["prenom"])).upper()[:60]
        line = ("B02" + affil + "202412" + x["cnss"] + name.ljust(60) + "00" + "0" * 24 + "26"
                + "%013d" % (x["salaire"] * 100) + "%09d" % min(x["salaire"] * 100, 600000) + "SO" + "0" * 19)
        out.append(line.ljust(260)[:260])
    return ("\n".join(out) + "\n").encode()


def distinct(recs, keys):
    """Distinct values per EVE type for the given record fields."""
    m = {"cin": "cin", "cnss": "cnss", "rib": "rib", "iban": "iban", "tel": "phone", "email": "email"}
    out = {}
    for k in keys:
        vals = set(x[k][-9:] if k == "tel" else x[k] for x in recs)
        out[m[k]] = len(vals)
    return out


def values(affil, recs):
    """Every identifier, for the privacy check (phone numbers also as the bare subscriber number)."""
    v = {affil}
    for x in recs:
        for k in ("cin", "cnss", "rib", "iban", "tel", "email"):
            v.add(x[k])
        v.add(x["tel"][-9:])
    return sorted(v)
