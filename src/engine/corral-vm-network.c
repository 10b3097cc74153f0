/* corral-vm-network.c: a run's network proxy and what it reports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With a network (allowlist or full), each run has a CorralProxy on the
 * run dir's proxy.sock, started before QEMU (the jail's relay connects
 * to it per guest connection) and stopped with the run. It gets the
 * profile's allowlist and follows its changes (ticks and entries apply
 * to the next connection; the mode itself is fixed for the run, as it
 * decides the VM's devices), and the real API key, which never goes into
 * the run dir. What it reports goes to the VM's network log, which
 * outlives runs.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "corral-vm-private.h"

static void
update_matcher (CorralVm *self)
{
  g_autoptr(CorralHostMatcher) matcher = NULL;

  if (self->proxy == NULL)
    return;
  matcher = corral_network_policy_matcher (self->network_mode,
                                           corral_profile_get_network_presets (self->profile),
                                           corral_profile_get_network_allow (self->profile));
  corral_proxy_set_matcher (self->proxy, matcher);
}

static void
connection_cb (CorralProxy *proxy,
               const char  *host,
               guint        port,
               gboolean     allowed,
               const char  *reason,
               CorralVm    *self)
{
  corral_network_log_record (self->network_log, host, port, allowed, reason);
}

gboolean
_corral_vm_network_start (CorralVm    *self,
                          const char  *api_key,
                          GError     **error)
{
  g_autofree char *path = NULL;

  self->network_mode = corral_profile_get_network_mode (self->profile);
  if (self->network_mode == CORRAL_NETWORK_OFF)
    return TRUE;

  path = g_build_filename (corral_meta_dir_get_path (self->meta_dir), "proxy.sock", NULL);
  self->proxy = corral_proxy_new (path);
  if (!corral_proxy_start (self->proxy, error))
    {
      g_prefix_error (error, _("Could not start the network proxy: "));
      g_clear_object (&self->proxy);
      return FALSE;
    }
  corral_proxy_set_api_key (self->proxy, api_key);
  update_matcher (self);
  g_signal_connect_object (self->proxy, "connection", G_CALLBACK (connection_cb), self, 0);
  g_signal_connect_object (self->profile, "notify::network-presets", G_CALLBACK (update_matcher),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->profile, "notify::network-allow", G_CALLBACK (update_matcher),
                           self, G_CONNECT_SWAPPED);
  return TRUE;
}

void
_corral_vm_network_stop (CorralVm *self)
{
  if (self->proxy == NULL)
    return;
  g_signal_handlers_disconnect_by_func (self->profile, update_matcher, self);
  g_signal_handlers_disconnect_by_data (self->proxy, self);
  corral_proxy_stop (self->proxy);
  g_clear_object (&self->proxy);
}

void
_corral_vm_network_set_api_key (CorralVm   *self,
                                const char *api_key)
{
  if (self->proxy != NULL)
    corral_proxy_set_api_key (self->proxy, api_key);
}

CorralNetworkLog *
corral_vm_get_network_log (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), NULL);
  return self->network_log;
}

CorralNetworkMode
corral_vm_get_network_mode (CorralVm *self)
{
  g_return_val_if_fail (CORRAL_IS_VM (self), CORRAL_NETWORK_OFF);
  return self->proxy != NULL ? self->network_mode : corral_profile_get_network_mode (self->profile);
}
