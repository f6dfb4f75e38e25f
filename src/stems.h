/* Saved-image stems: one unique file-name stem per input, derived from input names only. */
#ifndef STEMS_H
#define STEMS_H

#include <stddef.h>

#include "util.h"

/*
 * The stem an input's images are saved under before uniqueness: the file
 * name without directory and extension, with "image" put in front of a
 * stem that is empty or starts with a dot so that it never hides the file.
 * NULL when out of memory.
 */
char *stems_base(const char *path);

/*
 * One stem per path, unique within the list: the first input with a base
 * stem keeps it; each later one gets the first "BASE-K" (K = 2, 3, ...)
 * that no input's base stem and no earlier assigned stem uses, so a/x.jpg,
 * b/x.jpg, c/x.jpg become x, x-2, x-3 in input order. Expected O(n) time
 * and memory (a hash table; each candidate name is tried at most once per
 * base). A stem shaped like card K >= 2 of another input's stem
 * (stems_card: "x.card2" beside "x") is treated as a later duplicate and
 * gets "x.card2-K", so no card's images can take an input's name. Returns an array of n owned strings, or NULL with err set.
 */
char **stems_unique(const char *const *paths, size_t n, struct fz_err *err);

/*
 * The stem of card `card` of an input whose images hold ncards cards:
 * the input's own stem for card 1 (and for a file of one card), and
 * "STEM.cardK" for card K >= 2, so that a photocopy page's front keeps
 * the name a single card would have. NULL when out of memory.
 */
char *stems_card(const char *stem, int card, int ncards);

void stems_free(char **stems, size_t n);

#endif
