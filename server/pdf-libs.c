/* pdf-libs.c: cairo and pango, loaded when the first PDF is made. */
#include "config.h"

#define PDF_LIBS_DEFINE
#include "lazy.h"
#include "pdf-libs.h"

struct pdf_libs pdf_libs;

static const char *const pdf_libs_names[] = {
	EP_SONAME_CAIRO, EP_SONAME_PANGO, EP_SONAME_PANGOCAIRO,
	EP_SONAME_GOBJECT, NULL
};

#define PDF_LIBS_ENTRY(f) LAZY_FN_ENTRY(pdf_libs, f)
static const struct lazy_fn pdf_libs_fns[] = {
	PDF_LIBS_FNS(PDF_LIBS_ENTRY)
	{ NULL, NULL }
};

static struct lazy_kit pdf_libs_kit =
    LAZY_KIT(pdf_libs_names, pdf_libs_fns, NULL);

/* Loads cairo and pango the first time; 0, or -1 with why in ERR. */
int
pdf_libs_open(char *err, size_t len)
{
	return lazy_open(&pdf_libs_kit, err, len);
}
