// Building blocks shared by the HTML report writers (study_report_html, explore_report_html):
// lenient reading of the documents they draw, escaping for HTML text and for JSON inside a
// <script> block, the colours, the page's base style, and the inlined Chart.js.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace lvsim::report_html {

/// Shown where a value is absent.
inline constexpr const char* kMissing = "–";

// ---- Reading. Every member is optional here (absent or null -> nothing), so a partial document
// still gives a page and documents that gain members later need no change.

/// `o[key]`, or null when `o` is not an object or has no such member.
const nlohmann::json& member(const nlohmann::json& o, const char* key);
/// `o[key]` when it is an array, otherwise an empty array.
const nlohmann::json& array_member(const nlohmann::json& o, const char* key);
/// `o[key]` when it is a finite number.
std::optional<double> number(const nlohmann::json& o, const char* key);
/// `o[key]` as text: a string as is, null or absent as "", anything else as its JSON.
std::string text(const nlohmann::json& o, const char* key);

// ---- Escaping.

/// Text for HTML element content or a quoted attribute value.
std::string escape_html(std::string_view s);
/// JSON for a <script type="application/json"> block: '<', '>' and '&' can only occur inside JSON
/// strings, where \u003c etc. mean the same, so no "</script" or "<!--" can end or alter the block.
std::string script_json(const nlohmann::json& j);

// ---- Colours.

struct Rgb {
  int r, g, b;
};
/// Tableau 10: distinguishable, and readable by most colour-blind readers.
inline constexpr Rgb kPalette[] = {{78, 121, 167}, {242, 142, 43},  {225, 87, 89},   {118, 183, 178}, {89, 161, 79},
                                   {237, 201, 72}, {176, 122, 161}, {255, 157, 167}, {156, 117, 95},  {186, 176, 172}};
inline constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

/// A CSS colour: "rgb(r,g,b)", or "rgba(r,g,b,alpha)" when alpha < 1.
std::string colour(Rgb c, double alpha = 1);

/// The energy components of an "energy_breakdown_pj" object, in their usual order, with the names
/// and colours the plots give them.
inline constexpr const char* kComponentOrder[] = {"array_macs",      "pe_registers", "weight_sram", "buffers",
                                                  "post_processing", "ecc",          "dram",        "leakage"};
inline constexpr const char* kComponentNames[] = {"array MACs",      "PE registers", "weight SRAM", "buffers",
                                                  "post-processing", "ECC",          "DRAM",        "leakage"};
inline constexpr Rgb kComponentColours[] = {{78, 121, 167}, {160, 203, 232}, {225, 87, 89},  {242, 142, 43},
                                            {89, 161, 79},  {176, 122, 161}, {156, 117, 95}, {186, 176, 172}};

// ---- Page parts.

/// The reports' common style sheet (CSS text, without the <style> element).
extern const char* const kBaseStyle;

/// The page up to and including <body>: doctype, title (escaped here) and the base style sheet
/// followed by `extra_style` (CSS text).
std::string page_start(std::string_view title, std::string_view extra_style = "");

/// The error hook, then Chart.js inlined: two <script> elements, to be placed after the element
/// <span id="lvsim-status"> and before the page's own script. The hook writes any JavaScript error
/// (including a syntax error in a later script) into #lvsim-status as "error: ...", which the
/// headless render test (tests/cli/report_render.sh) reads.
std::string chartjs_scripts();

}  // namespace lvsim::report_html
