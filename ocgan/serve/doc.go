// Package serve is the on-device HTTP scoring service of `ocgan serve`: it
// answers "how novel is this image?" with the installed OCGAN model's
// reconstruction-error score, and swaps in a newly installed model without
// dropping a request.
//
// The package knows nothing about Vulkan or bundles. It talks to the model
// through two small interfaces: a Source (Current names the installed model
// cheaply, Load opens it) and a Model (Score of a decoded image, Info,
// Close). A Model wraps ErrBadImage in Score errors that are the image's
// fault.
//
// # Endpoints
//
// POST /score scores one image. The body is the encoded image (PNG or JPEG)
// with Content-Type image/png, image/jpeg, application/octet-stream or none,
// or multipart/form-data whose field "image" (else the first file part)
// holds it. The whole body may be at most Options.MaxBodyBytes (default
// 8 MiB). The optional query ?threshold=X overrides the model's threshold
// for this request. A 200 answer is a ScoreResponse:
//
//	{"score": 0.0123, "verdict": "normal", "threshold": 0.05,
//	 "model_version": "mnist-3-r2", "model_id": "sha256:…",
//	 "timing_ms": {"read": 0.05, "queue": 0.01, "decode": 0.2,
//	               "preprocess": 0.1, "upload": 0.05, "forward": 1.9,
//	               "download": 0.02, "total": 2.4}}
//
// verdict is "novel" when score >= threshold, else "normal". timing_ms holds
// the model's stages (whatever names it reports), "read" (receiving the
// body), "decode" (the server's decoding of the image), "queue" (waiting for
// a scoring slot, a decoder and the model) and "total" (arrival to answer),
// in milliseconds.
//
// Errors are JSON {"error": "..."} with these codes: 400 for an empty or
// undecodable image (ErrBadImage), a malformed multipart body or
// Content-Type, or a bad ?threshold=; 401 with WWW-Authenticate without
// the bearer token, when Options.Token is set; 404 for unknown paths; 405
// with an Allow header for a wrong method; 408 for a body that arrived too
// slowly; 413 for a body over the limit or an image over the pixel limits;
// 415 for another Content-Type; 429 with Retry-After when the client
// already has MaxClientRequests requests in progress; 500 when the model
// fails, panics or returns a non-finite score; 503 with Retry-After when
// the server is saturated or shutting down, or when the model can no longer
// score (its device was lost: Score or Checker.Check errors wrapping
// ErrUnavailable; the message says why). A request whose client went
// away is counted with code 499 (the client never sees it).
//
// # Images
//
// The server decodes the image itself (PNG or JPEG only). Its header is
// read first (image.DecodeConfig): an image of more than MaxImagePixels
// pixels (default 4 Mi, never below the model's input), or whose decoded
// pixels would take more than 4·MaxImagePixels bytes (a 16-bit RGBA image
// takes 8 bytes a pixel, so it may have half as many), gets 413 before a
// pixel is allocated. Decoding runs outside the model's lock, at most
// MaxDecoders (default GOMAXPROCS) at once, and only for requests holding a
// scoring slot, so at most MaxConcurrent decoded images exist at once.
//
// GET (or HEAD) /healthz answers 200 with a HealthResponse: status "ok",
// model_version, model_id, threshold, device, source_id, model_loaded_at,
// uptime ("1h2m3s") and uptime_seconds, saturated (a new /score request
// would get 503 for want of room) and load (bodies arriving, requests
// admitted, scoring, connections, each with its limit), and reload_error
// while the last reload attempt has failed (the old model still serving).
// Once the server is closing, or while the model can no longer score (see
// Checker), it answers 503 with status "unavailable" and error saying why,
// so that a liveness probe restarts the process.
//
// GET (or HEAD) /readyz answers 200 {"ready": true, ...} while a model is
// loaded and the server takes requests, 503 {"ready": false} once it is
// shutting down or the model can no longer score.
//
// With Options.Token set, /score and /metrics (and unknown paths) need
// "Authorization: Bearer <token>", compared in constant time; /healthz and
// /readyz stay open for probes.
//
// GET /metrics serves the server's own Prometheus registry (never the
// global one) in the text format.
//
// # Metrics
//
//	ocgan_http_requests_total{endpoint,code}      counter; endpoint is /score, /healthz, /metrics or other
//	ocgan_score_duration_seconds                  histogram of successful /score answers, 1 ms to 10 s
//	ocgan_score_stage_duration_seconds{stage}     histogram per stage (read, queue and the model's), 100 µs to 10 s
//	ocgan_score_in_flight                         gauge: requests holding a scoring slot
//	ocgan_score_waiting                           gauge: admitted requests waiting for a slot
//	ocgan_score_reading                           gauge: requests whose body is arriving
//	ocgan_score_rejected_total{reason}            counter of 503s and 429s: reading_full, queue_full, queue_timeout, closing, client_limit, model_unavailable
//	ocgan_score_verdicts_total{verdict}           counter: novel, normal
//	ocgan_panics_total{where}                     counter of recovered panics: model, handler
//	ocgan_model_reloads_total                     counter of models swapped in after New
//	ocgan_model_reload_failures_total             counter of failed attempts to find or load a new model
//	ocgan_model_info{version,id}                  gauge, always 1, for the model being served only
//	ocgan_model_threshold                         gauge: that model's threshold
//
// plus the Go runtime (go_*) and process (process_*) collectors. Callers may
// add collectors through Server.Registry.
//
// # Concurrency
//
// A /score request passes these steps, each bounded. A client address may
// have MaxClientRequests (default 8) requests in progress; beyond, 429
// (reason client_limit). Its body is then read, at most MaxReading (default
// 32) at once (else 503, reason reading_full), under its own deadline: the
// whole body within ReadTimeout (default 10 s) and, after its first second,
// at an average of at least MinReadRate (default 8 KiB/s); a slower body
// gets 408 and its connection is closed, so slow senders hold a reading
// place for about a second and never an admission place. A request whose
// body is in is admitted: at most MaxConcurrent+MaxQueue at once, else 503
// at once (reason queue_full); memory for bodies stays bounded by about
// (MaxReading+MaxConcurrent+MaxQueue)·MaxBodyBytes. An admitted request
// waits up to QueueTimeout for one of MaxConcurrent scoring slots (else
// 503, reason queue_timeout), then decodes its image and is scored.
// Serve and ListenAndServe keep at most MaxConns (default 256) connections
// open, and give every connection ReadTimeout for its headers. Calls into one Model are serialised
// unless its ModelInfo.Concurrent is true; then up to MaxConcurrent run at
// once. The request's context reaches Model.Score, so a client that goes
// away can cancel scoring. A panic in a Model (or in the handler) is
// recovered, counted and answered with 500; the server keeps serving.
//
// # Reload
//
// Every PollInterval (default 1 s) the server calls Source.Current; when the
// id differs from the served model's, it Loads the new model and swaps it in
// atomically. Reload does the same on demand (tests, SIGHUP). Each request
// holds a reference on the model it uses, taken after it gets its slot, so
// requests in flight finish on the old model, new ones use the new model,
// and the old model is Closed exactly once, by whichever of its requests
// finishes last (or at the swap, if it is idle): no request is dropped or
// answered by a closed model. When Current or Load fails (or panics), the
// old model keeps serving; the failure is logged through Options.Logf,
// counted, shown by /healthz, and polling retries it after a delay that
// doubles from PollInterval up to MaxRetryBackoff (a different id, and
// Reload, are tried at once).
//
// # Lifecycle
//
// New loads the current model (an error if there is none) and starts
// polling. Handler gives the http.Handler for a caller's own http.Server;
// ListenAndServe (default address 127.0.0.1:8080) and Serve run one and shut
// it down gracefully when their context is cancelled: bodies still arriving
// are cut off at once (503, connection closed), requests being scored
// finish within ShutdownTimeout, and Serve returns nil. Close stops
// polling, cuts off bodies still arriving, answers new /score requests with
// 503, waits for requests in flight and closes every model.
package serve
