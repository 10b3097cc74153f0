/* fuzz-profile.c: a project's settings file, as Corral reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A settings file can be damaged (a crash, a full disk, an editor) or
 * written by someone else. Whatever it holds: parsing never crashes;
 * what parses yields settings within their bounds; saving them and
 * reading that back gives the same settings (the text itself may still
 * change: GKeyFile keeps what it does not understand, CRs and duplicate
 * keys included, and tidies it on each save); and the warning about a
 * damaged file is short and safe to print.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "corral-profile.h"
#include "corral-text.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  corral_fuzz_init ();
  return 0;
}

static void
check_bounds (CorralProfile *profile)
{
  g_assert_cmpuint (corral_profile_get_memory_mib (profile), >=, 64);
  g_assert_cmpuint (corral_profile_get_cores (profile), >=, 1);
  g_assert_cmpuint (corral_profile_get_cores (profile), <=, 1024);
  g_assert_cmpint (corral_profile_get_entrypoint_mode (profile), <=, CORRAL_ENTRYPOINT_CUSTOM);
  g_assert_true ((corral_profile_get_shares (profile) & ~CORRAL_SHARES_DEFAULT) == 0);
  g_assert_cmpint (corral_profile_get_last_used (profile), >=, 0);
  g_assert_nonnull (corral_profile_get_agent_command (profile));
  g_assert_cmpstr (corral_profile_get_agent_command (profile), !=, "");
  g_assert_nonnull (corral_profile_get_agent_args (profile));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(CorralProfile) profile = NULL;
  g_autoptr(CorralProfile) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *text = NULL;
  gsize length;

  profile = corral_profile_new_from_data ("/nonexistent/fuzzed project", (const char *) data, size,
                                          &warning, &error);
  if (profile == NULL)
    {
      /* What the user is shown of a damaged file. */
      g_autofree char *shown = corral_text_for_display (error->message, -1, 200);

      g_assert_true (g_utf8_validate (shown, -1, NULL));
      g_assert_cmpuint (g_utf8_strlen (shown, -1), <=, 201);
      for (const char *c = shown; *c != '\0'; c = g_utf8_next_char (c))
        g_assert_true (g_utf8_get_char (c) >= 0x20 || g_utf8_get_char (c) == '\t');
      return 0;
    }
  check_bounds (profile);

  /* Saved and read back: the same settings, the same text. */
  text = corral_profile_to_data (profile, &length);
  again = corral_profile_new_from_data ("/nonexistent/fuzzed project", text, length, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (corral_profile_get_memory_mib (again), ==, corral_profile_get_memory_mib (profile));
  g_assert_cmpuint (corral_profile_get_cores (again), ==, corral_profile_get_cores (profile));
  g_assert_cmpint (corral_profile_get_network (again), ==, corral_profile_get_network (profile));
  g_assert_cmpint (corral_profile_get_entrypoint_mode (again), ==, corral_profile_get_entrypoint_mode (profile));
  g_assert_cmpstr (corral_profile_get_agent_command (again), ==, corral_profile_get_agent_command (profile));
  g_assert_cmpstrv (corral_profile_get_agent_args (again), corral_profile_get_agent_args (profile));
  g_assert_cmpstr (corral_profile_get_custom_command (again), ==, corral_profile_get_custom_command (profile));
  g_assert_cmpuint (corral_profile_get_shares (again), ==, corral_profile_get_shares (profile));
  g_assert_cmpint (corral_profile_get_forward_gh_token (again), ==, corral_profile_get_forward_gh_token (profile));
  g_assert_cmpint (corral_profile_get_last_used (again), ==, corral_profile_get_last_used (profile));
  return 0;
}
