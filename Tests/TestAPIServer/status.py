"""metav1.Status bodies and the exception that carries them.

Every error the fake returns is a Status JSON body, as kube-apiserver does, so
clients can be tested on parsing `reason`/`code`/`details` rather than on the
HTTP status line alone.
"""

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def status_body(code, reason, message, details=None, metadata=None):
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": metadata or {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return body


class APIError(Exception):
    """An HTTP error answered with a Status body (or sent in-stream on a watch)."""

    def __init__(self, code, message, reason=None, details=None, headers=None, metadata=None, plain=None):
        super().__init__(message)
        self.code = code
        self.headers = headers or {}
        self.body = status_body(code, reason or REASONS.get(code, "Unknown"), message, details, metadata)
        self.plain = plain  # bytes: answered as text/plain instead of the Status (filters outside the API)


def _details(res, name):
    d = {"name": name, "kind": res.name}
    if res.group:
        d["group"] = res.group
    return d


def not_found(res, name):
    return APIError(404, f'{res.qualified} "{name}" not found', details=_details(res, name))


def already_exists(res, name):
    return APIError(409, f'{res.qualified} "{name}" already exists', "AlreadyExists", _details(res, name))


def conflict(res, name, why="the object has been modified; please apply your changes to the latest version and try again"):
    return APIError(409, f'Operation cannot be fulfilled on {res.qualified} "{name}": {why}', "Conflict",
                    _details(res, name))


def bad_request(message):
    return APIError(400, message, "BadRequest")


def invalid(kind, name, field, why, group=""):
    """422 the way apiserver validation reports it: one cause per field."""
    message = f'{kind} "{name}" is invalid: {field}: {why}'
    details = {"name": name, "kind": kind, "causes": [{"reason": "FieldValueInvalid", "message": why, "field": field}]}
    if group:
        details["group"] = group
    return APIError(422, message, "Invalid", details)


def forbidden_list_option(field, why, kind="ListOptions"):
    """422 for invalid ListOptions combinations (apimachinery internalversion validation)."""
    message = f'{kind}.meta.k8s.io "" is invalid: {field}: Forbidden: {why}'
    details = {"group": "meta.k8s.io", "kind": kind,
               "causes": [{"reason": "FieldValueForbidden", "message": f"Forbidden: {why}", "field": field}]}
    return APIError(422, message, "Invalid", details)


def expired(message, metadata=None):
    return APIError(410, message, "Expired", metadata=metadata)


def too_old_rv(requested, oldest):
    # The watch cache's wording; clients match on code 410 / reason Expired.
    return expired(f"too old resource version: {requested} ({oldest})")


def too_large_rv(requested, current):
    return APIError(504, f"Timeout: Too large resource version: {requested}, current: {current}", "Timeout",
                    {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                     "retryAfterSeconds": 1},
                    headers={"Retry-After": "1"})


def unauthorized():
    return APIError(401, "Unauthorized", "Unauthorized")


def path_not_found():
    return APIError(404, "the server could not find the requested resource", "NotFound", {})


def method_not_allowed(method):
    return APIError(405, f"the server does not allow this method on the requested resource ({method})",
                    "MethodNotAllowed", {})


def too_many_requests(form, retry_after):
    """429 in the shapes kube-apiserver sends them:
    - "apf": priority and fairness rejected the request (server/filters/priority-and-fairness.go,
      tooManyRequests): text/plain, Retry-After from droppedRequestsTracker.GetRetryAfter, and the
      flow schema / priority level headers;
    - "unready-cache": the watch cache is not initialised (cacher.go Cacher.GetList/Watch,
      errors.NewTooManyRequests with calculateRetryAfterForUnreadyCache): a Status, whose
      retryAfterSeconds responsewriters.ErrorNegotiated copies into Retry-After;
    - "shutdown": the server is shutting down (server/filters/with_retry_after.go): text/plain,
      Retry-After 5 and Connection: close."""
    if form == "apf":
        return APIError(429, "Too many requests, please try again later.", "TooManyRequests",
                        headers={"Retry-After": str(retry_after), "X-Kubernetes-PF-FlowSchema-UID": "fake-flow-schema",
                                 "X-Kubernetes-PF-PriorityLevel-UID": "fake-priority-level"},
                        plain=b"Too many requests, please try again later.\n")
    if form == "unready-cache":
        return APIError(429, "storage is (re)initializing", "TooManyRequests", {"retryAfterSeconds": int(retry_after)},
                        headers={"Retry-After": str(retry_after)})
    if form == "shutdown":
        return APIError(429, "The apiserver is shutting down, please try again later.", "TooManyRequests",
                        headers={"Retry-After": "5", "Connection": "close"},
                        plain=b"The apiserver is shutting down, please try again later.\n")
    raise ValueError(f"unknown 429 form {form!r}; known: apf, unready-cache, shutdown")
