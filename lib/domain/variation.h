/*
 * variation — what an Etsy transaction's variations ask of its prints. A
 * variation whose name reads like a colour ("Color", "Colour", "Primary
 * color", "Primary colour", "Filament color"/"colour"; any case, spaces
 * trimmed) sets the colour when its value is a known colour name; one
 * named "Material", "Material type" or "Filament type" sets the material
 * type (the value as given, trimmed, at most MATERIAL_TYPE_MAX
 * characters). Pure functions, no database.
 */
#ifndef VARIATION_H
#define VARIATION_H

enum variation_kind { VARIATION_OTHER, VARIATION_COLOR, VARIATION_MATERIAL };

/* The kind of a variation's formatted_name (NULL: VARIATION_OTHER). */
enum variation_kind variation_kind(const char *name);

/* "#RRGGBB" for a known colour name — Red, Black, White, Blue, Green,
 * Yellow, Orange, Grey/Gray, Purple, Pink; any case, spaces trimmed — or
 * NULL for anything else ("Galaxy Black" stays text only). A static
 * string. */
const char *variation_color(const char *value);

#endif
