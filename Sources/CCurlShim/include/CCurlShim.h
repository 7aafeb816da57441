#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>

/* Swift cannot call C variadic functions: one typed wrapper per argument type of
   curl_easy_setopt and curl_easy_getinfo, and names for macros that do not import. */

typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*ccurl_progress_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                       curl_off_t ultotal, curl_off_t ulnow);

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
/* libcurl copies strings. */
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
/* Lists (curl_slist) and callback contexts: the caller keeps them alive for the transfer. */
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
/* PEM bytes for CAINFO_BLOB, SSLCERT_BLOB, SSLKEY_BLOB; copied (CURL_BLOB_COPY). */
CURLcode ccurl_setopt_blob(CURL *handle, CURLoption option, const void *bytes, size_t length);
CURLcode ccurl_setopt_write_callback(CURL *handle, ccurl_data_callback callback, void *context);
/* Also turns progress reporting on (NOPROGRESS 0), without which the callback is never called. */
CURLcode ccurl_setopt_progress_callback(CURL *handle, ccurl_progress_callback callback, void *context);
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
/* CURLINFO_*_T values, e.g. CURLINFO_RETRY_AFTER. */
CURLcode ccurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);

#endif
