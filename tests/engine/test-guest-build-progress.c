/* test-guest-build-progress.c: the guest builder's progress lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "corral-guest-build-progress.h"

static void
test_phases_and_fractions (void)
{
  g_auto(CorralGuestBuildProgress) p;

  corral_guest_build_progress_init (&p);
  g_assert_cmpint (p.phase, ==, CORRAL_GUEST_BUILD_PHASE_NONE);

  g_assert_cmpint (corral_guest_build_progress_feed (&p, "log /home/u/.local/share/corral/guests/.debian.build.x/build.log"),
                   ==, CORRAL_GUEST_BUILD_CHANGED_LOG);
  g_assert_cmpstr (p.log_path, ==, "/home/u/.local/share/corral/guests/.debian.build.x/build.log");

  g_assert_cmpint (corral_guest_build_progress_feed (&p, "phase base 1 5"), ==,
                   CORRAL_GUEST_BUILD_CHANGED_PHASE | CORRAL_GUEST_BUILD_CHANGED_FRACTION);
  g_assert_cmpint (p.phase, ==, CORRAL_GUEST_BUILD_PHASE_BASE);
  g_assert_cmpuint (p.index, ==, 1);
  g_assert_cmpuint (p.count, ==, 5);
  g_assert_cmpfloat (p.fraction, ==, 0.0);

  g_assert_cmpint (corral_guest_build_progress_feed (&p, "progress 0.250"), ==, CORRAL_GUEST_BUILD_CHANGED_FRACTION);
  g_assert_cmpfloat_with_epsilon (p.fraction, 0.25, 1e-9);
  /* Never backwards within a phase, never beyond 1. */
  g_assert_cmpint (corral_guest_build_progress_feed (&p, "progress 0.1"), ==, CORRAL_GUEST_BUILD_CHANGED_NOTHING);
  g_assert_cmpfloat_with_epsilon (p.fraction, 0.25, 1e-9);
  g_assert_cmpint (corral_guest_build_progress_feed (&p, "progress 7"), ==, CORRAL_GUEST_BUILD_CHANGED_FRACTION);
  g_assert_cmpfloat (p.fraction, ==, 1.0);

  /* A new phase starts at 0. */
  corral_guest_build_progress_feed (&p, "phase download 2 5");
  g_assert_cmpint (p.phase, ==, CORRAL_GUEST_BUILD_PHASE_DOWNLOAD);
  g_assert_cmpuint (p.index, ==, 2);
  g_assert_cmpfloat (p.fraction, ==, 0.0);
  corral_guest_build_progress_feed (&p, "progress 4.3e-05");
  g_assert_cmpfloat (p.fraction, >, 0.0);

  corral_guest_build_progress_feed (&p, "phase image 5 5");
  g_assert_cmpint (p.phase, ==, CORRAL_GUEST_BUILD_PHASE_IMAGE);
  g_assert_cmpint (corral_guest_build_progress_feed (&p, "done /home/u/.local/share/corral/guests/debian/guest.ini"),
                   ==, CORRAL_GUEST_BUILD_CHANGED_DONE);
  g_assert_cmpstr (p.manifest, ==, "/home/u/.local/share/corral/guests/debian/guest.ini");
  g_assert_false (p.failed);
  g_assert_false (corral_guest_build_progress_has_problems (&p));
  g_assert_null (corral_guest_build_progress_describe_problems (&p));
}

/* Whatever the builder prints, nothing it cannot stand behind changes
 * what the user sees. */
static void
test_bad_lines (void)
{
  g_auto(CorralGuestBuildProgress) p;
  g_autofree char *long_line = NULL;
  const char *bad[] = {
    "", "phase", "phase base", "phase base 1", "phase base 0 5", "phase base 6 5",
    "phase base one 5", "phase unknown 1 5", "phase base 1 5 extra", "phasebase 1 5",
    "progress", "progress x", "progress 0.5x", "progress nan", "progress -0.5",
    "log", "log relative/path", "done", "done guest.ini",
    "missing", "missing mmdebstrap", "missing mmdebstrap package", "missing mmdebstrap maybe x",
    "missing mmdebstrap package two words",
    "space", "space 1 2", "space x 2 /tmp", "space 1 y /tmp", "space 1 2 relative",
    "waiting now", "hello", "PHASE base 1 5", "\xff\xfe", " phase base 1 5",
  };

  corral_guest_build_progress_init (&p);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_cmpint (corral_guest_build_progress_feed (&p, bad[i]), ==, CORRAL_GUEST_BUILD_CHANGED_NOTHING);
    }
  long_line = g_strnfill (5000, 'x');
  memcpy (long_line, "log /", 5);
  g_assert_cmpint (corral_guest_build_progress_feed (&p, long_line), ==, CORRAL_GUEST_BUILD_CHANGED_NOTHING);

  g_assert_cmpint (p.phase, ==, CORRAL_GUEST_BUILD_PHASE_NONE);
  g_assert_cmpfloat (p.fraction, ==, 0.0);
  g_assert_null (p.log_path);
  g_assert_null (p.manifest);
  g_assert_false (corral_guest_build_progress_has_problems (&p));
  g_assert_cmpint (corral_guest_build_progress_feed (&p, NULL), ==, CORRAL_GUEST_BUILD_CHANGED_NOTHING);
}

static void
test_missing_tools (void)
{
  g_auto(CorralGuestBuildProgress) p;
  g_autofree char *text = NULL;

  corral_guest_build_progress_init (&p);
  g_assert_cmpint (corral_guest_build_progress_feed (&p, "missing mmdebstrap package mmdebstrap"), ==,
                   CORRAL_GUEST_BUILD_CHANGED_PROBLEMS);
  corral_guest_build_progress_feed (&p, "missing unshare package util-linux");
  corral_guest_build_progress_feed (&p, "missing flock package util-linux");
  corral_guest_build_progress_feed (&p, "missing newuidmap package uidmap");
  corral_guest_build_progress_feed (&p, "missing subuid command sudo usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice");
  g_assert_cmpuint (p.missing->len, ==, 5);
  g_assert_true (corral_guest_build_progress_has_problems (&p));

  text = corral_guest_build_progress_describe_problems (&p);
  g_test_message ("%s", text);
  /* Each program named, one apt command with each package once, and the
   * command that gives the user subordinate ids, as is. */
  g_assert_nonnull (strstr (text, "mmdebstrap, unshare, flock, newuidmap"));
  g_assert_nonnull (strstr (text, "sudo apt install mmdebstrap util-linux uidmap\n"));
  g_assert_nonnull (strstr (text, "/etc/subuid"));
  g_assert_nonnull (strstr (text, "    sudo usermod --add-subuids 165536-231071 --add-subgids 165536-231071 alice"));
}

static void
test_space_and_failure (void)
{
  g_auto(CorralGuestBuildProgress) p;
  g_autofree char *text = NULL;

  corral_guest_build_progress_init (&p);
  g_assert_cmpint (corral_guest_build_progress_feed (&p, "space 9663676416 1073741824 /home/u/.local/share/corral/guests"),
                   ==, CORRAL_GUEST_BUILD_CHANGED_PROBLEMS);
  text = corral_guest_build_progress_describe_problems (&p);
  g_assert_cmpstr (text, ==, "Not enough free disk space in /home/u/.local/share/corral/guests: "
                             "the build needs 9.7\u00a0GB there, and 1.1\u00a0GB is free.");

  corral_guest_build_progress_feed (&p, "phase download 2 5");
  g_assert_cmpint (corral_guest_build_progress_feed (&p, "failed download"), ==, CORRAL_GUEST_BUILD_CHANGED_FAILED);
  g_assert_true (p.failed);
  g_assert_cmpint (p.failed_phase, ==, CORRAL_GUEST_BUILD_PHASE_DOWNLOAD);

  g_assert_cmpint (corral_guest_build_progress_feed (&p, "waiting"), ==, CORRAL_GUEST_BUILD_CHANGED_WAITING);
  g_assert_true (p.waiting);
}

static void
test_phase_names (void)
{
  g_assert_cmpint (corral_guest_build_phase_from_id ("agent"), ==, CORRAL_GUEST_BUILD_PHASE_AGENT);
  g_assert_cmpint (corral_guest_build_phase_from_id ("none"), ==, CORRAL_GUEST_BUILD_PHASE_NONE);
  g_assert_cmpint (corral_guest_build_phase_from_id (NULL), ==, CORRAL_GUEST_BUILD_PHASE_NONE);
  g_assert_cmpstr (corral_guest_build_phase_title (CORRAL_GUEST_BUILD_PHASE_DOWNLOAD), ==, "Downloading Debian packages");
  g_assert_cmpstr (corral_guest_build_phase_title (CORRAL_GUEST_BUILD_PHASE_IMAGE), ==, "Making the disk image");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/guest-build-progress/phases-and-fractions", test_phases_and_fractions);
  g_test_add_func ("/guest-build-progress/bad-lines", test_bad_lines);
  g_test_add_func ("/guest-build-progress/missing-tools", test_missing_tools);
  g_test_add_func ("/guest-build-progress/space-and-failure", test_space_and_failure);
  g_test_add_func ("/guest-build-progress/phase-names", test_phase_names);
  return g_test_run ();
}
