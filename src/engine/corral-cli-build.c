/* corral-cli-build.c: `corral --build-guest`, the window's guest build for
 * a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same CorralGuestBuild the window runs, its progress as lines on
 * stderr: each step as it starts, then every tenth of it. Ctrl+C (or
 * SIGTERM, SIGHUP) cancels: the builder removes what it made.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "corral-cli.h"
#include "corral-guest-build.h"

typedef struct {
  GMainLoop *loop;
  CorralGuestBuild *build;
  int last_tenth;
  gboolean waiting_said;
} Build;

static void
say (const char *text)
{
  g_printerr ("corral: %s\n", text);
}

static void
phase_cb (CorralGuestBuild *build,
          GParamSpec       *pspec,
          Build            *b)
{
  const CorralGuestBuildProgress *p = corral_guest_build_get_progress (build);
  g_autofree char *line = NULL;

  if (p->index == 0)
    return;
  b->last_tenth = 0;
  line = g_strdup_printf ("[%u/%u] %s", p->index, p->count, corral_guest_build_phase_title (p->phase));
  say (line);
}

static void
fraction_cb (CorralGuestBuild *build,
             GParamSpec       *pspec,
             Build            *b)
{
  const CorralGuestBuildProgress *p = corral_guest_build_get_progress (build);
  int tenth = (int) (p->fraction * 10);
  g_autofree char *line = NULL;
  g_autofree char *percent = NULL;

  if (p->index == 0 || tenth <= b->last_tenth)
    return;
  b->last_tenth = tenth;
  /* Translators: how far the current step is, e.g. "45 %" */
  percent = g_strdup_printf (_("%d %%"), tenth * 10);
  line = g_strdup_printf ("[%u/%u] %s: %s", p->index, p->count,
                          corral_guest_build_phase_title (p->phase), percent);
  say (line);
}

static void
waiting_cb (CorralGuestBuild *build,
            GParamSpec       *pspec,
            Build            *b)
{
  if (corral_guest_build_get_progress (build)->waiting && !b->waiting_said)
    {
      b->waiting_said = TRUE;
      say (_("Waiting for another build of the guest to finish…"));
    }
}

static void
log_cb (CorralGuestBuild *build,
        GParamSpec       *pspec,
        Build            *b)
{
  const char *path = corral_guest_build_get_progress (build)->log_path;
  g_autofree char *line = NULL;

  /* Where to look while it runs; the final place is said at the end. */
  if (path == NULL || !corral_guest_build_get_running (build) || b->last_tenth > 0)
    return;
  /* Translators: %s is a file */
  line = g_strdup_printf (_("The build’s log: %s"), path);
  say (line);
}

static void
finished_cb (CorralGuestBuild *build,
             Build            *b)
{
  g_main_loop_quit (b->loop);
}

static gboolean
interrupt_cb (gpointer data)
{
  Build *b = data;

  if (corral_guest_build_get_state (b->build) == CORRAL_GUEST_BUILD_STATE_RUNNING)
    say (_("Cancelling: removing what was built so far…"));
  corral_guest_build_cancel (b->build);
  return G_SOURCE_CONTINUE;
}

int
corral_cli_build_guest (void)
{
  g_autoptr(CorralGuestBuild) build = corral_guest_build_new_default ();
  g_autofree char *cost = NULL;
  Build b = { 0 };
  guint sources[3];
  const int signums[] = { SIGINT, SIGTERM, SIGHUP };
  const CorralGuestBuildProgress *p;
  int status = 1;

  switch (corral_guest_build_get_availability (build))
    {
    case CORRAL_GUEST_BUILD_UNAVAILABLE_SANDBOXED:
      say (_("Inside its Flatpak sandbox Corral cannot build a guest: the build needs mmdebstrap and user namespaces. Run corral --build-guest from Corral installed outside the Flatpak, or corral --download-guest."));
      return 1;
    case CORRAL_GUEST_BUILD_UNAVAILABLE_MISSING:
      {
        /* Translators: %s is the builder's path */
        g_autofree char *line = g_strdup_printf (_("This copy of Corral has no guest builder (%s): reinstall Corral, or run build-aux/build-guest from its source."),
                                                 corral_guest_build_get_builder (build));
        say (line);
        return 1;
      }
    case CORRAL_GUEST_BUILD_AVAILABLE:
    default:
      break;
    }

  cost = corral_guest_build_describe_cost ();
  say (_("Building the Debian guest (Ctrl+C cancels)."));
  say (cost);

  b.loop = g_main_loop_new (NULL, FALSE);
  b.build = build;
  g_signal_connect (build, "notify::phase", G_CALLBACK (phase_cb), &b);
  g_signal_connect (build, "notify::fraction", G_CALLBACK (fraction_cb), &b);
  g_signal_connect (build, "notify::waiting", G_CALLBACK (waiting_cb), &b);
  g_signal_connect (build, "notify::log-path", G_CALLBACK (log_cb), &b);
  g_signal_connect (build, "finished", G_CALLBACK (finished_cb), &b);
  for (guint i = 0; i < G_N_ELEMENTS (signums); i++)
    sources[i] = g_unix_signal_add (signums[i], interrupt_cb, &b);

  corral_guest_build_start (build);
  if (corral_guest_build_get_running (build))
    g_main_loop_run (b.loop);

  for (guint i = 0; i < G_N_ELEMENTS (signums); i++)
    g_source_remove (sources[i]);
  g_main_loop_unref (b.loop);

  p = corral_guest_build_get_progress (build);
  switch (corral_guest_build_get_state (build))
    {
    case CORRAL_GUEST_BUILD_STATE_SUCCEEDED:
      {
        /* Translators: %s is the installed guest's manifest */
        g_autofree char *line = g_strdup_printf (_("Installed: %s"), corral_guest_build_get_manifest (build));
        say (line);
        status = 0;
      }
      break;
    case CORRAL_GUEST_BUILD_STATE_CANCELLED:
      say (corral_guest_build_get_message (build));
      status = 130;
      break;
    default:
      {
        /* The checks' findings span lines, commands indented: kept so. */
        g_autofree char *line = g_strdup_printf (_("The guest could not be built. %s\nNothing was installed."),
                                                 corral_guest_build_get_message (build));
        say (line);
        if (p->log_path != NULL)
          {
            g_autofree char *log = g_strdup_printf (_("The build’s log: %s"), p->log_path);
            say (log);
          }
      }
      break;
    }
  return status;
}
