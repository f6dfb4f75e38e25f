/* --pair: which images are the two sides of one card, and the person record made from them. */
#ifndef PAIR_H
#define PAIR_H

#include <stddef.h>

#include <jansson.h>

/*
 * Decide the pairs among n inputs, given their stems (file name without
 * directory and extension) and sides ("front", "back", "temporary", or
 * NULL when not recognised; sides itself may be NULL) in input order.
 *
 * By name first: a stem ending in a side marker, with the same rest
 * (separators before the marker ignored), pairs with the one stem of the
 * same rest carrying the other marker of the same family:
 *   front / back        Latin, any case, after '_' '-' '.' ' ' or alone;
 *   正面 / 反面 or 背面  directly after the rest or after a separator;
 *   人像面 / 国徽面      likewise;
 *   1 / 2               after a separator or a character that is not a
 *                       digit ("x-1", "card1", "张三2"; not "img_0001",
 *                       not "scan11");
 *   a / b               Latin, any case, only after a separator ("x_a").
 * A rest with more than one stem per marker (a/x_front and b/x_front) pairs
 * nothing by name. Sides that are known must not contradict the pair: two
 * fronts, two backs, or a temporary card never pair.
 *
 * Then, among the inputs still unpaired, in order: each with the next one
 * when one is a front and the other a back; otherwise it stays unpaired and
 * the next one is tried with the one after it.
 *
 * page (may be NULL) groups the cards found in one file of several cards
 * (a photocopy page, a scan of several people's cards): page[i] is the
 * same non-zero number for the cards of one such file, in reading order,
 * and 0 for an input of one card. Such cards never pair by name (the file
 * name is the page's, not the card's) and pair only within their page: a
 * front with the card after it when that is a back (a photocopy's front
 * above its back, each person's front left of the back on a scan of
 * several), and a back followed by a front only on a page of those two
 * cards alone.
 *
 * partner[i] is the index of i's partner or -1; rule[i] is "name",
 * "consecutive" or NULL (static strings). Returns 0, or -1 when out of
 * memory.
 */
int pair_plan(const char *const *stems, const char *const *sides,
    const size_t *page, size_t n, long *partner, const char **rule);

/*
 * The person record of a pair: {"files": [front file, back file],
 * "pairing": rule, "name", "sex", "people", "birthday", "address",
 * "id_number" (the front's), "issue_authority", "validity" (the back's),
 * "checks": the front's checks with the back's checks.validity, "warnings":
 * both records' warnings (front first), each with a "file" key added,
 * "error": null or the first error (front first), also with "file",
 * "engine": the front's}; "cards": [front's card, back's card] after
 * "pairing" when either came from a file of several cards. The
 * two may come in either order: the one recognised as the back (or, when
 * neither side is known, whose name carries the back marker) is taken as
 * the back. The records are not changed. Call checks_pair() on the result
 * for the checks that need both sides. NULL when out of memory.
 */
json_t *pair_person(const json_t *front, const json_t *back, const char *rule);

/*
 * Append the "unpaired" warning to a record left without a partner; a
 * temporary card, complete on its own, is left alone. 0, or -1 when out of
 * memory.
 */
int pair_mark_unpaired(json_t *rec);

#endif
