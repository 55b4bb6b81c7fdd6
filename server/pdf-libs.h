/*
 * pdf-libs.h: the cairo and pango functions the PDFs use, called through
 * a table filled when the first PDF is made (lazy.h). A file that makes
 * PDFs includes this after cairo's and pango's headers, calls
 * pdf_libs_open() before drawing, and then calls the functions by their
 * own names.
 */
#ifndef EP_PDF_LIBS_H
#define EP_PDF_LIBS_H

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#define PDF_LIBS_FNS(X) \
	X(cairo_create) \
	X(cairo_destroy) \
	X(cairo_line_to) \
	X(cairo_move_to) \
	X(cairo_pdf_surface_create_for_stream) \
	X(cairo_pdf_surface_restrict_to_version) \
	X(cairo_pdf_surface_set_metadata) \
	X(cairo_set_line_width) \
	X(cairo_set_source_rgb) \
	X(cairo_show_page) \
	X(cairo_status_to_string) \
	X(cairo_stroke) \
	X(cairo_surface_destroy) \
	X(cairo_surface_finish) \
	X(cairo_surface_status) \
	X(g_object_unref) \
	X(pango_cairo_create_layout) \
	X(pango_cairo_show_layout) \
	X(pango_font_description_free) \
	X(pango_font_description_from_string) \
	X(pango_layout_get_size) \
	X(pango_layout_set_alignment) \
	X(pango_layout_set_font_description) \
	X(pango_layout_set_text) \
	X(pango_layout_set_width) \
	X(pango_layout_set_wrap)

#define PDF_LIBS_MEMBER(f) __typeof__(f) *f;
struct pdf_libs {
	PDF_LIBS_FNS(PDF_LIBS_MEMBER)
};
#undef PDF_LIBS_MEMBER

extern struct pdf_libs pdf_libs;
int	pdf_libs_open(char *err, size_t len);

#ifndef PDF_LIBS_DEFINE
#define cairo_create (pdf_libs.cairo_create)
#define cairo_destroy (pdf_libs.cairo_destroy)
#define cairo_line_to (pdf_libs.cairo_line_to)
#define cairo_move_to (pdf_libs.cairo_move_to)
#define cairo_pdf_surface_create_for_stream \
	(pdf_libs.cairo_pdf_surface_create_for_stream)
#define cairo_pdf_surface_restrict_to_version \
	(pdf_libs.cairo_pdf_surface_restrict_to_version)
#define cairo_pdf_surface_set_metadata (pdf_libs.cairo_pdf_surface_set_metadata)
#define cairo_set_line_width (pdf_libs.cairo_set_line_width)
#define cairo_set_source_rgb (pdf_libs.cairo_set_source_rgb)
#define cairo_show_page (pdf_libs.cairo_show_page)
#define cairo_status_to_string (pdf_libs.cairo_status_to_string)
#define cairo_stroke (pdf_libs.cairo_stroke)
#define cairo_surface_destroy (pdf_libs.cairo_surface_destroy)
#define cairo_surface_finish (pdf_libs.cairo_surface_finish)
#define cairo_surface_status (pdf_libs.cairo_surface_status)
#define g_object_unref (pdf_libs.g_object_unref)
#define pango_cairo_create_layout (pdf_libs.pango_cairo_create_layout)
#define pango_cairo_show_layout (pdf_libs.pango_cairo_show_layout)
#define pango_font_description_free (pdf_libs.pango_font_description_free)
#define pango_font_description_from_string \
	(pdf_libs.pango_font_description_from_string)
#define pango_layout_get_size (pdf_libs.pango_layout_get_size)
#define pango_layout_set_alignment (pdf_libs.pango_layout_set_alignment)
#define pango_layout_set_font_description \
	(pdf_libs.pango_layout_set_font_description)
#define pango_layout_set_text (pdf_libs.pango_layout_set_text)
#define pango_layout_set_width (pdf_libs.pango_layout_set_width)
#define pango_layout_set_wrap (pdf_libs.pango_layout_set_wrap)
#endif

#endif
