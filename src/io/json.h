/*
 * json: a small streaming JSON writer for machine-readable output.
 *
 * Writes one value (usually an object) to a stream, inserting commas and
 * escaping strings; numbers are written as the shortest decimal that reads
 * back as the same double (numformat.h), so they round-trip, and
 * non-finite numbers as null (JSON has no NaN or Infinity). Inside an object
 * every value has a key; inside an array, and at the top, key is NULL.
 *
 *     gd_json j;
 *     gd_json_start(&j, stdout);
 *     gd_json_object_begin(&j, NULL);
 *     gd_json_string(&j, "optimizer", "adam");
 *     gd_json_number(&j, "lr", 0.01);
 *     gd_json_array_begin(&j, "weights");
 *     gd_json_number(&j, NULL, 1.5);
 *     gd_json_array_end(&j);
 *     gd_json_object_end(&j);
 *     gd_json_finish(&j);       // newline; returns nonzero if a write failed
 *
 * Output is compact and on one line, so a batch of runs gives JSON Lines.
 */
#ifndef GDTRAIN_JSON_H
#define GDTRAIN_JSON_H

#include <stdio.h>

#define GD_JSON_MAX_DEPTH 32

typedef struct gd_json {
    FILE *out;
    int depth;                          /* open objects and arrays */
    int has_items[GD_JSON_MAX_DEPTH];   /* per level: a value was written, so the next needs a comma */
} gd_json;

void gd_json_start(gd_json *j, FILE *out);
void gd_json_object_begin(gd_json *j, const char *key);
void gd_json_object_end(gd_json *j);
void gd_json_array_begin(gd_json *j, const char *key);
void gd_json_array_end(gd_json *j);
/* value NULL writes null. */
void gd_json_string(gd_json *j, const char *key, const char *value);
void gd_json_number(gd_json *j, const char *key, double value);
void gd_json_integer(gd_json *j, const char *key, long long value);
void gd_json_unsigned(gd_json *j, const char *key, unsigned long long value);
void gd_json_bool(gd_json *j, const char *key, int value);
void gd_json_null(gd_json *j, const char *key);

/* Ends the line and flushes. Returns 0, or -1 if any write to the stream
 * failed. */
int gd_json_finish(gd_json *j);

#endif
