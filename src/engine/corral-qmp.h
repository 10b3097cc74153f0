/* corral-qmp.h: an asynchronous client of QEMU's control protocol (QMP)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What QEMU may send before Corral calls it a protocol error and closes
 * the connection: QEMU's own messages are short lines (a few hundred
 * bytes) nested a few levels deep. */
#define CORRAL_QMP_MAX_LINE  (1024 * 1024)
#define CORRAL_QMP_MAX_DEPTH 64

#define CORRAL_QMP_ERROR (corral_qmp_error_quark ())
GQuark corral_qmp_error_quark (void);
typedef enum {
  CORRAL_QMP_ERROR_PROTOCOL,  /* the peer sent something that is not QMP */
  CORRAL_QMP_ERROR_COMMAND,   /* QEMU answered the command with an error */
  CORRAL_QMP_ERROR_CLOSED,    /* the connection went away before the reply */
} CorralQmpError;

#define CORRAL_TYPE_QMP (corral_qmp_get_type ())
G_DECLARE_FINAL_TYPE (CorralQmp, corral_qmp, CORRAL, QMP, GObject)

/*
 * Signals:
 *   event (const char *name, JsonObject *data)  data may be NULL
 *   closed (const GError *error)  the connection ended; error is NULL on
 *                                 a clean end of stream or corral_qmp_close()
 */

/* @stream is usually a GSocketConnection on one end of a socketpair whose
 * other end QEMU inherited; passing fds needs a GSocketConnection. */
CorralQmp *corral_qmp_new              (GIOStream *stream);

/* Waits for QEMU's greeting and negotiates capabilities. Commands can be
 * queued before it finishes. */
void       corral_qmp_handshake_async  (CorralQmp           *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean   corral_qmp_handshake_finish (CorralQmp     *self,
                                        GAsyncResult  *result,
                                        GError       **error);

/* Sends {"execute": @command, "arguments": @arguments, "id": N}. When
 * @fd_to_pass is not -1 it is sent along (SCM_RIGHTS) with the command,
 * as QMP's getfd/add-fd expect; the caller keeps its fd. The reply is
 * matched by id: events that arrive first are emitted meanwhile. */
void       corral_qmp_execute_async    (CorralQmp           *self,
                                        const char          *command,
                                        JsonObject          *arguments,
                                        int                  fd_to_pass,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* The "return" member (an empty object for most commands). */
JsonNode  *corral_qmp_execute_finish   (CorralQmp     *self,
                                        GAsyncResult  *result,
                                        GError       **error);

gboolean   corral_qmp_is_closed        (CorralQmp *self);
/* Closes the stream; pending commands fail with CORRAL_QMP_ERROR_CLOSED. */
void       corral_qmp_close            (CorralQmp *self);

/* Members of what QEMU sent, by type: NULL when @object is NULL, or the
 * member is missing or of another type (never a critical). */
const char *corral_qmp_get_string      (JsonObject *object,
                                        const char *member);
JsonObject *corral_qmp_get_object      (JsonObject *object,
                                        const char *member);

/* A JsonObject from alternating key/value strings, NULL-terminated:
 * corral_qmp_args ("protocol", "vnc", "fdname", "x", NULL). */
JsonObject *corral_qmp_args            (const char *first_key, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
