/* corral-guest-setup.c: "no guest system installed": build it, or download it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shown when no guest is found (corral-guest-store.h): says so plainly and
 * offers what this copy of Corral can do: build the Debian guest on this
 * computer (CorralGuestBuild: the installed builder script), download
 * the catalogue's guest (CorralGuestDownload), or both; in a Flatpak,
 * where no build is possible, it says why. Before a build starts it says
 * what the build costs; while it runs, its phase, how far that phase is,
 * the log and Cancel. The build is the application's, so this widget only
 * shows it: closing the window does not stop it, and every window shows
 * the same one. The download, by contrast, belongs to the widget that
 * started it. Both install atomically or not at all, so every failure
 * here only has to say why and offer to try again.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "corral-build-log-window.h"
#include "corral-guest-catalogue.h"
#include "corral-guest-download.h"
#include "corral-guest-setup.h"
#include "corral-guest-store.h"

struct _CorralGuestSetup
{
  GtkBox parent_instance;

  GtkLabel       *title_label;
  GtkLabel       *body_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *hint_label;
  GtkLabel       *error_label;
  GtkWidget      *build_button;
  GtkWidget      *download_button;
  GtkWidget      *cancel_button;
  GtkWidget      *log_button;
  GtkWidget      *preferences_button;

  CorralGuestCatalogue   *catalogue;
  const CorralGuestOffer *offer;
  char                   *catalogue_error;
  CorralGuestDownload    *download;
  GCancellable           *cancellable;
  char                   *download_error;
  gboolean                download_failed;
  gboolean                installed;
  gboolean                disposed;

  CorralGuestBuild       *build;
};

G_DEFINE_FINAL_TYPE (CorralGuestSetup, corral_guest_setup, GTK_TYPE_BOX)

enum {
  SIGNAL_INSTALLED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static CorralGuestBuildAvailability
build_availability (CorralGuestSetup *self)
{
  return self->build != NULL ? corral_guest_build_get_availability (self->build)
                             : CORRAL_GUEST_BUILD_UNAVAILABLE_MISSING;
}

static gboolean
build_running (CorralGuestSetup *self)
{
  return self->build != NULL && corral_guest_build_get_running (self->build);
}

static void
show_error (CorralGuestSetup *self,
            const char       *message)
{
  /* Commands to copy (indented lines) read better flush left. */
  gtk_label_set_justify (self->error_label,
                         message != NULL && strstr (message, "\n    ") != NULL ? GTK_JUSTIFY_LEFT : GTK_JUSTIFY_CENTER);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* Ready to build or download (again), or nothing to offer, and why. */
static void
show_offer (CorralGuestSetup *self)
{
  CorralGuestBuildAvailability availability = build_availability (self);
  CorralGuestBuildState state = self->build != NULL ? corral_guest_build_get_state (self->build)
                                                    : CORRAL_GUEST_BUILD_STATE_IDLE;
  g_autoptr(GString) body = g_string_new (_("Corral runs each project in a virtual machine, which needs a guest system."));
  gboolean build_failed = state == CORRAL_GUEST_BUILD_STATE_FAILED || state == CORRAL_GUEST_BUILD_STATE_CANCELLED;

  gtk_label_set_text (self->title_label, _("No Guest System Installed"));

  if (availability == CORRAL_GUEST_BUILD_AVAILABLE)
    {
      g_autofree char *cost = corral_guest_build_describe_cost ();

      g_string_append_c (body, ' ');
      g_string_append (body, _("Corral can build one on this computer from Debian 12’s packages."));
      g_string_append_c (body, ' ');
      g_string_append (body, cost);
    }
  if (self->offer != NULL)
    {
      g_autofree char *download = g_format_size (self->offer->download_size);
      g_autofree char *installed = g_format_size (self->offer->installed_size);

      g_string_append_c (body, ' ');
      /* Translators: the guest's name, what is downloaded, the space it takes */
      g_string_append_printf (body, _("Download %s now: %s to download, %s on disk."),
                              self->offer->title, download, installed);
    }
  if (availability == CORRAL_GUEST_BUILD_UNAVAILABLE_SANDBOXED)
    {
      g_string_append_c (body, ' ');
      g_string_append (body, _("Inside its Flatpak sandbox Corral cannot build one: the build needs mmdebstrap and user namespaces, which the sandbox does not give. A guest built outside it with “corral --build-guest” (in ~/.local/share/corral/guests) is found on its own."));
    }
  if (availability != CORRAL_GUEST_BUILD_AVAILABLE && self->offer == NULL)
    {
      g_string_append_c (body, ' ');
      if (availability == CORRAL_GUEST_BUILD_UNAVAILABLE_SANDBOXED)
        g_string_append (body, _("This copy of Corral offers no guest to download either: choose a guest manifest in Preferences."));
      else
        g_string_append (body, _("This copy of Corral can neither build nor download one: choose a guest manifest in Preferences."));
    }
  gtk_label_set_text (self->body_label, body->str);

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), FALSE);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->preferences_button, TRUE);

  gtk_widget_set_visible (self->build_button, availability == CORRAL_GUEST_BUILD_AVAILABLE);
  gtk_button_set_label (GTK_BUTTON (self->build_button),
                        build_failed ? _("_Try Again") : _("_Build the Debian Guest"));
  /* The log stays one click away after a failure. */
  gtk_widget_set_visible (self->log_button, state == CORRAL_GUEST_BUILD_STATE_FAILED &&
                                            corral_guest_build_get_progress (self->build)->log_path != NULL);

  gtk_widget_set_visible (self->download_button, self->offer != NULL);
  gtk_button_set_label (GTK_BUTTON (self->download_button),
                        self->download_failed ? _("_Try Again") : _("_Download"));
  /* The one thing to do is the blue one. */
  if (availability == CORRAL_GUEST_BUILD_AVAILABLE)
    gtk_widget_remove_css_class (self->download_button, "suggested-action");
  else
    gtk_widget_add_css_class (self->download_button, "suggested-action");

  if (self->download_error != NULL)
    show_error (self, self->download_error);
  else if (build_failed)
    {
      const char *why = corral_guest_build_get_message (self->build);
      g_autofree char *message = NULL;

      if (state == CORRAL_GUEST_BUILD_STATE_CANCELLED)
        message = g_strdup (why);
      else
        /* Translators: %s says why (a missing program and how to install it, a failed step) */
        message = g_strdup_printf (_("The guest could not be built. %s\nNothing was installed."), why);
      show_error (self, message);
    }
  else
    show_error (self, self->catalogue_error);
}

static void
show_download (CorralGuestSetup *self)
{
  guint64 received = corral_guest_download_get_received (self->download);
  guint64 total = self->offer->download_size;
  g_autofree char *got = g_format_size (received);
  g_autofree char *of = g_format_size (total);
  /* Translators: "120.5 MB of 1.1 GB" */
  g_autofree char *text = g_strdup_printf (_("%s of %s"), got, of);
  g_autofree char *what = g_strdup_printf (_("Downloading %s…"), self->offer->title);

  gtk_label_set_text (self->title_label, what);
  gtk_label_set_text (self->body_label,
                      _("Each file is checked as it arrives; the guest is installed only once all of it is there."));
  show_error (self, NULL);
  gtk_widget_set_visible (self->build_button, FALSE);
  gtk_widget_set_visible (self->download_button, FALSE);
  gtk_widget_set_visible (self->log_button, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), FALSE);
  gtk_widget_set_visible (self->cancel_button, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) received / total : 0.0);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
show_build (CorralGuestSetup *self)
{
  const CorralGuestBuildProgress *p = corral_guest_build_get_progress (self->build);
  gboolean cancelling = corral_guest_build_get_state (self->build) == CORRAL_GUEST_BUILD_STATE_CANCELLING;
  g_autofree char *step = NULL;
  g_autofree char *percent = NULL;

  gtk_label_set_text (self->title_label, _("Building the Debian Guest…"));
  if (cancelling)
    step = g_strdup (_("Cancelling: removing what was built so far…"));
  else if (p->waiting)
    step = g_strdup (_("Waiting for another build of the guest to finish…"));
  else if (p->index == 0)
    step = g_strdup (corral_guest_build_phase_title (CORRAL_GUEST_BUILD_PHASE_NONE));
  else
    /* Translators: "Step 2 of 5: Downloading Debian packages" */
    step = g_strdup_printf (_("Step %u of %u: %s"), p->index, p->count, corral_guest_build_phase_title (p->phase));
  gtk_label_set_text (self->body_label, step);

  /* The fraction of this step, as the builder measures it (packages,
   * bytes, blocks written), not a guess from the clock. */
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
  gtk_progress_bar_set_fraction (self->progress_bar, p->fraction);
  /* Translators: how far the current step is, e.g. "45 %" */
  percent = g_strdup_printf (_("%d %%"), (int) (p->fraction * 100));
  gtk_progress_bar_set_text (self->progress_bar, percent);

  gtk_label_set_text (self->hint_label,
                      _("You can close this window: the build goes on, and Corral says when it is done."));
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), TRUE);
  show_error (self, NULL);
  gtk_widget_set_visible (self->build_button, FALSE);
  gtk_widget_set_visible (self->download_button, FALSE);
  gtk_widget_set_visible (self->preferences_button, FALSE);
  gtk_widget_set_visible (self->cancel_button, TRUE);
  gtk_widget_set_sensitive (self->cancel_button, !cancelling);
  gtk_widget_set_visible (self->log_button, TRUE);
}

static void
show_installed (CorralGuestSetup *self,
                const char       *what)
{
  gtk_label_set_text (self->title_label, _("Guest System Installed"));
  gtk_label_set_text (self->body_label, what);
  show_error (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), FALSE);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->build_button, FALSE);
  gtk_widget_set_visible (self->download_button, FALSE);
  gtk_widget_set_visible (self->log_button, FALSE);
  gtk_widget_set_visible (self->preferences_button, FALSE);
}

/* What the widget shows follows from the download's and the build's state. */
static void
update (CorralGuestSetup *self)
{
  if (self->disposed || self->installed)
    return;
  gtk_widget_set_sensitive (self->cancel_button, TRUE);
  if (self->download != NULL)
    show_download (self);
  else if (build_running (self))
    show_build (self);
  else
    show_offer (self);
}

static void
download_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(CorralGuestSetup) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = corral_guest_download_finish (CORRAL_GUEST_DOWNLOAD (source), result, &error);

  g_signal_handlers_disconnect_by_data (source, self);
  g_clear_object (&self->download);
  g_clear_object (&self->cancellable);
  if (self->disposed)
    return;

  if (manifest == NULL)
    {
      self->download_failed = TRUE;
      g_clear_pointer (&self->download_error, g_free);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        self->download_error = g_strdup (_("The download was cancelled. Nothing was installed."));
      else
        {
          g_autofree char *why = g_strdup (error->message);

          /* One sentence end, whether or not the reason has its own. */
          if (g_str_has_suffix (why, "."))
            why[strlen (why) - 1] = '\0';
          /* Translators: %s says why (network, checksum, disk full) */
          self->download_error = g_strdup_printf (_("The download failed: %s.\nNothing was installed."), why);
        }
      update (self);
      return;
    }

  {
    g_autofree char *done = g_strdup_printf (_("%s is installed."), self->offer->title);
    show_installed (self, done);
  }
  self->installed = TRUE;
  g_signal_emit (self, signals[SIGNAL_INSTALLED], 0, manifest);
}

void
corral_guest_setup_download (CorralGuestSetup *self)
{
  g_autoptr(CorralGuestStore) store = NULL;

  g_return_if_fail (CORRAL_IS_GUEST_SETUP (self));

  if (self->offer == NULL || self->download != NULL || build_running (self))
    return;

  store = corral_guest_store_new_default ();
  self->download = corral_guest_download_new (self->catalogue, self->offer->id,
                                              corral_guest_store_get_user_dir (store));
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->download_error, g_free);
  g_signal_connect_object (self->download, "notify::received", G_CALLBACK (update),
                           self, G_CONNECT_SWAPPED);
  update (self);
  corral_guest_download_start (self->download, self->cancellable, download_done_cb, g_object_ref (self));
}

void
corral_guest_setup_build (CorralGuestSetup *self)
{
  g_return_if_fail (CORRAL_IS_GUEST_SETUP (self));

  if (self->build == NULL || self->download != NULL)
    return;
  g_clear_pointer (&self->download_error, g_free);
  corral_guest_build_start (self->build);
}

void
corral_guest_setup_cancel (CorralGuestSetup *self)
{
  g_return_if_fail (CORRAL_IS_GUEST_SETUP (self));

  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      /* The work folder is removed before the callback says so. */
      gtk_widget_set_sensitive (self->cancel_button, FALSE);
    }
  else if (build_running (self))
    corral_guest_build_cancel (self->build);
}

void
corral_guest_setup_show_log (CorralGuestSetup *self)
{
  GtkWindow *window;

  g_return_if_fail (CORRAL_IS_GUEST_SETUP (self));

  if (self->build == NULL)
    return;
  window = GTK_WINDOW (corral_build_log_window_new (self->build));
  gtk_window_set_transient_for (window, GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  gtk_window_present (window);
}

static void
build_finished_cb (CorralGuestSetup *self)
{
  const char *manifest = corral_guest_build_get_manifest (self->build);

  if (self->disposed || self->installed || manifest == NULL)
    {
      update (self);
      return;
    }
  show_installed (self, _("The Debian guest is built and installed."));
  self->installed = TRUE;
  g_signal_emit (self, signals[SIGNAL_INSTALLED], 0, manifest);
}

void
corral_guest_setup_set_build (CorralGuestSetup *self,
                              CorralGuestBuild *build)
{
  g_return_if_fail (CORRAL_IS_GUEST_SETUP (self));
  g_return_if_fail (build == NULL || CORRAL_IS_GUEST_BUILD (build));

  if (self->build == build)
    return;
  if (self->build != NULL)
    g_signal_handlers_disconnect_by_data (self->build, self);
  g_set_object (&self->build, build);
  if (build != NULL)
    {
      g_signal_connect_object (build, "notify::state", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (build, "notify::phase", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (build, "notify::fraction", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (build, "notify::waiting", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (build, "notify::log-path", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (build, "finished", G_CALLBACK (build_finished_cb), self, G_CONNECT_SWAPPED);
    }
  update (self);
}

gboolean
corral_guest_setup_get_busy (CorralGuestSetup *self)
{
  g_return_val_if_fail (CORRAL_IS_GUEST_SETUP (self), FALSE);
  return self->download != NULL || build_running (self);
}

GtkWidget *
corral_guest_setup_new (void)
{
  return g_object_new (CORRAL_TYPE_GUEST_SETUP, NULL);
}

/* The window closed mid-download (the running download holds a reference,
 * so dispose would wait for it): stop it; nothing is left behind. A build
 * is the application's and goes on. */
static void
corral_guest_setup_unroot (GtkWidget *widget)
{
  CorralGuestSetup *self = CORRAL_GUEST_SETUP (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  GTK_WIDGET_CLASS (corral_guest_setup_parent_class)->unroot (widget);
}

static void
corral_guest_setup_dispose (GObject *object)
{
  CorralGuestSetup *self = CORRAL_GUEST_SETUP (object);

  self->disposed = TRUE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->build != NULL)
    g_signal_handlers_disconnect_by_data (self->build, self);
  g_clear_object (&self->build);
  gtk_widget_dispose_template (GTK_WIDGET (self), CORRAL_TYPE_GUEST_SETUP);

  G_OBJECT_CLASS (corral_guest_setup_parent_class)->dispose (object);
}

static void
corral_guest_setup_finalize (GObject *object)
{
  CorralGuestSetup *self = CORRAL_GUEST_SETUP (object);

  g_clear_object (&self->catalogue);
  g_clear_object (&self->download);
  g_clear_object (&self->cancellable);
  g_free (self->catalogue_error);
  g_free (self->download_error);

  G_OBJECT_CLASS (corral_guest_setup_parent_class)->finalize (object);
}

static void
corral_guest_setup_class_init (CorralGuestSetupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = corral_guest_setup_dispose;
  object_class->finalize = corral_guest_setup_finalize;
  widget_class->unroot = corral_guest_setup_unroot;

  signals[SIGNAL_INSTALLED] =
    g_signal_new ("installed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, CORRAL_RESOURCE_PATH "/ui/corral-guest-setup.ui");
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, title_label);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, body_label);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, hint_label);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, error_label);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, build_button);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, download_button);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, log_button);
  gtk_widget_class_bind_template_child (widget_class, CorralGuestSetup, preferences_button);
  gtk_widget_class_bind_template_callback (widget_class, corral_guest_setup_build);
  gtk_widget_class_bind_template_callback (widget_class, corral_guest_setup_download);
  gtk_widget_class_bind_template_callback (widget_class, corral_guest_setup_cancel);
  gtk_widget_class_bind_template_callback (widget_class, corral_guest_setup_show_log);
}

static void
corral_guest_setup_init (CorralGuestSetup *self)
{
  g_autoptr(GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->catalogue = corral_guest_catalogue_load_default (&error);
  if (self->catalogue != NULL)
    self->offer = corral_guest_catalogue_get_default (self->catalogue);
  if (error != NULL)
    self->catalogue_error = g_strdup (error->message);
  update (self);
}
