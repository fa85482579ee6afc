/*
 * variation — what an Etsy transaction's variations ask of its prints. A
 * variation whose name reads like a colour ("Color", "Colour", "Primary
 * color", "Primary colour", "Filament color"/"colour"; any case, spaces
 * trimmed) sets the colour when its value is a known colour name; one
 * named "Material", "Material type" or "Filament type" sets the material
 * type (the value as given, trimmed, at most MATERIAL_TYPE_MAX
 * characters). Pure functions, no database: the Etsy API import
 * (dispatch_etsy.c, from a transaction's variations[]) and the CSV import
 * (order_import.c, from the Variations cell) both go through
 * variation_add, so an item asks the same of its prints either way.
 */
#ifndef VARIATION_H
#define VARIATION_H

struct arena;

/* What an item's variations ask: the text ("Name: value; Name: value"),
 * the colour (#RRGGBB, a static string) and the material type; each NULL
 * when none. Start from all NULL. */
struct variation_set {
    const char *text, *color, *material_type;
};

enum variation_kind { VARIATION_OTHER, VARIATION_COLOR, VARIATION_MATERIAL };

/* The kind of a variation's formatted_name (NULL: VARIATION_OTHER). */
enum variation_kind variation_kind(const char *name);

/* "#RRGGBB" for a known colour name — Red, Black, White, Blue, Green,
 * Yellow, Orange, Grey/Gray, Purple, Pink; any case, spaces trimmed — or
 * NULL for anything else ("Galaxy Black" stays text only). A static
 * string. */
const char *variation_color(const char *value);

/* Adds one variation to vs: "name: value" to the text (the value alone
 * when name is NULL or empty; nothing when value is), the colour when name
 * is a colour name and value a known colour, the material type (trimmed,
 * cut to MATERIAL_TYPE_MAX bytes on a character boundary) when name is a
 * material name. A later colour or material wins. Strings in the arena. */
void variation_add(struct arena *a, struct variation_set *vs, const char *name,
                   const char *value);

/* Adds the variations of Etsy's CSV Variations cell to vs: "Name:Value"
 * pairs separated by commas ("Color:Red,Size:Large"), name and value
 * trimmed, the name being what comes before the first colon. A piece
 * without a colon, or whose text before the colon spans lines, continues
 * the previous value (so "Personalization:Love, Mum" keeps its comma); one
 * before any pair is a value without a name. cell NULL adds nothing. */
void variation_add_csv(struct arena *a, struct variation_set *vs,
                       const char *cell);

#endif
