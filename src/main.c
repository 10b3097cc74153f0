/* main.c: the thin entry point; everything else lives in the libraries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "corral-application.h"

int
main (int argc, char **argv)
{
  g_autoptr(CorralApplication) app = NULL;
  const char *localedir = g_getenv ("CORRAL_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* Installed, the catalogues are in LOCALEDIR; build-aux/run points
   * CORRAL_LOCALEDIR at the build tree's, as GSETTINGS_SCHEMA_DIR at its
   * schema. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = corral_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
