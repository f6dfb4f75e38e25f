# Scores the local engine's output (build/engine-run lines) against tests/mkphotos.py truth: per-field exact rates of one level.
"""Usage: bench-score.py LEVEL OUT.ndjson [--json]

OUT.ndjson holds build/engine-run's lines for DIR/NAME.jpg; the truth is
DIR/NAME.json beside each photo. Cards are matched by their place in the
photo: each truth card takes the engine's card whose centre ("corners")
is nearest its own, if that is within half the truth card's shorter side
(so a card the engine missed on a page of several shifts nothing); lines
without corners are matched by their place in the file. Files where the
engine read another number of cards than the truth holds are listed on
stderr ("count:" lines) and counted in the JSON's "card_count_off". A card
the engine missed counts as wrong in every field. Prints one markdown table row per level (or a JSON object).
A wrong id_number "without a warning" is one whose confidence is at or
above LOC_FIELDS_LOW_CONF (0.80), so no low_confidence warning named it.
"""
import json
import math
import os
import sys

FRONT = ["name", "sex", "people", "birthday", "address", "id_number"]
BACK = ["issue_authority", "validity"]
LOW_CONF = 0.80


def centre(pts):
    return (sum(p[0] for p in pts) / 4.0, sum(p[1] for p in pts) / 4.0)


def match(truth_cards, outs):
    """{truth index (1-based): engine line} by nearest centre, else by index."""
    read = [o for o in outs if o["code"] == ""]
    if not all("corners" in o for o in read):
        return {o["card"]: o for o in read}
    cands = []
    for k, t in enumerate(truth_cards, 1):
        q = t["corners"]
        tc = centre(q)
        side = min(math.dist(q[0], q[1]), math.dist(q[1], q[2]))
        for j, o in enumerate(read):
            c = o["corners"]
            d = math.dist(tc, centre([(c[i], c[i + 1]) for i in range(0, 8, 2)]))
            if d <= side / 2:
                cands.append((d, k, j))
    out, used = {}, set()
    for d, k, j in sorted(cands):
        if k not in out and j not in used:
            out[k] = read[j]
            used.add(j)
    return out


def main(argv):
    level, path = argv[1], argv[2]
    got = {}
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        if "file" in o:
            got.setdefault(o["file"], []).append(o)
    right = {f: 0 for f in FRONT + BACK}
    seen = {f: 0 for f in FRONT + BACK}
    cards = all_right = id_silent = sides_right = 0
    misses = []
    count_off = []
    for f, outs in sorted(got.items()):
        truth = json.load(open(os.path.splitext(f)[0] + ".json", encoding="utf-8"))
        nread = sum(1 for o in outs if o["code"] == "")
        by_card = match(truth["cards"], outs)
        if nread != len(truth["cards"]):
            count_off.append("%s: engine read %d cards, truth has %d" % (
                os.path.basename(f), nread, len(truth["cards"])))
        for k, t in enumerate(truth["cards"], 1):
            cards += 1
            o = by_card.get(k, {})
            keys = FRONT if t["side"] == "front" else BACK
            ok_all = o.get("side") == t["side"]
            sides_right += ok_all
            for key in keys:
                seen[key] += 1
                ok = o.get(key) == t["fields"][key]
                right[key] += ok
                ok_all = ok_all and ok
                if not ok:
                    misses.append("%s#%d %s: %r != %r" % (os.path.basename(f), k, key,
                                                         o.get(key), t["fields"][key]))
                if key == "id_number" and not ok and o.get(key) is not None:
                    if (o.get("confidence") or {}).get(key, 0) >= LOW_CONF:
                        id_silent += 1
            all_right += ok_all
    pct = {k: (100.0 * right[k] / seen[k] if seen[k] else None) for k in right}
    res = {"level": level, "cards": cards, "fields": pct,
           "side": 100.0 * sides_right / max(cards, 1),
           "all_fields": 100.0 * all_right / max(cards, 1), "id_wrong_silent": id_silent,
           "card_count_off": len(count_off), "misses": misses}
    if "--json" in argv:
        print(json.dumps(res, ensure_ascii=False))
        return 0
    cell = lambda v: "-" if v is None else "%.1f" % v
    print("| %s | %d | %s | %s | %.1f | %.1f | %d |" % (
        level, cards, " | ".join(cell(pct[k]) for k in FRONT + BACK),
        cell(pct["id_number"]), res["side"], res["all_fields"], id_silent))
    for m in count_off:
        print("  count: " + m, file=sys.stderr)
    for m in misses[:40]:
        print("  miss: " + m, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
