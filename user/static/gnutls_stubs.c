// SPDX-License-Identifier: GPL-2.0
/* Stand-ins for the GnuTLS functions Debian's libmicrohttpd.a refers to, for
 * the static build only (make static).  Debian builds libmicrohttpd with
 * HTTPS support, so its daemon object names GnuTLS, whose static library
 * would need p11-kit's, which Debian does not ship (and which loads modules
 * with dlopen).  leakscope serves plain HTTP: MHD_USE_TLS is never passed,
 * and libmicrohttpd calls none of these but gnutls_global_init and
 * gnutls_global_deinit (at load and exit), which succeed and do nothing.
 * Any other one called would be a TLS daemon leakscope does not make: it
 * says so and aborts rather than pretend. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

int gnutls_global_init(void);
void gnutls_global_deinit(void);

int gnutls_global_init(void)
{
	return 0;	/* GNUTLS_E_SUCCESS */
}

void gnutls_global_deinit(void)
{
}

/* a variable in GnuTLS (gnutls_alloc_function gnutls_malloc) */
void *(*gnutls_malloc)(size_t) = malloc;

static void no_tls(const char *fn)
{
	fprintf(stderr, "leakscope: %s called: this static build has no TLS\n", fn);
	abort();
}

#define NO_TLS(fn) void fn(void); void fn(void) { no_tls(#fn); }
NO_TLS(gnutls_alpn_set_protocols)
NO_TLS(gnutls_bye)
NO_TLS(gnutls_certificate_allocate_credentials)
NO_TLS(gnutls_certificate_free_credentials)
NO_TLS(gnutls_certificate_server_set_request)
NO_TLS(gnutls_certificate_set_dh_params)
NO_TLS(gnutls_certificate_set_retrieve_function2)
NO_TLS(gnutls_certificate_set_retrieve_function3)
NO_TLS(gnutls_certificate_set_x509_key_mem)
NO_TLS(gnutls_certificate_set_x509_key_mem2)
NO_TLS(gnutls_certificate_set_x509_trust_mem)
NO_TLS(gnutls_cipher_get)
NO_TLS(gnutls_credentials_set)
NO_TLS(gnutls_deinit)
NO_TLS(gnutls_dh_params_deinit)
NO_TLS(gnutls_dh_params_import_pkcs3)
NO_TLS(gnutls_dh_params_init)
NO_TLS(gnutls_handshake)
NO_TLS(gnutls_init)
NO_TLS(gnutls_priority_deinit)
NO_TLS(gnutls_priority_init)
NO_TLS(gnutls_priority_set)
NO_TLS(gnutls_protocol_get_version)
NO_TLS(gnutls_psk_allocate_server_credentials)
NO_TLS(gnutls_psk_free_server_credentials)
NO_TLS(gnutls_psk_set_server_credentials_function)
NO_TLS(gnutls_record_check_pending)
NO_TLS(gnutls_record_get_direction)
NO_TLS(gnutls_record_recv)
NO_TLS(gnutls_record_send)
NO_TLS(gnutls_session_get_ptr)
NO_TLS(gnutls_session_set_ptr)
NO_TLS(gnutls_strerror)
NO_TLS(gnutls_transport_set_int2)
