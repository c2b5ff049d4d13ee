import BackupsModels
import BkupJSON
import Foundation
import NIOHTTP1

extension BackupsClient {
    /// The retry loop (see `BackupsRequest.Idempotency` for what each kind may repeat), on the
    /// route's name this service knows.
    public func perform(_ request: BackupsRequest) async throws(BackupsError) -> Response {
        var request = request
        if let known = routeNames.withLock({ $0[request.path] }) { request.path = known }
        while true {
            do {
                return try await performOnce(request)
            } catch let error where error.code == 404 && error.type == "general_route_not_found" && !request.alternativePaths.isEmpty {
                let original = request.path
                request.path = request.alternativePaths.removeFirst()
                let replacement = request.path
                routeNames.withLock { $0[original] = replacement }
            }
        }
    }

    func performOnce(_ request: BackupsRequest) async throws(BackupsError) -> Response {
        let policy = configuration.retry
        let start = ContinuousClock.now
        var attempt = 0
        var sawAmbiguousFailure = false
        while true {
            attempt += 1
            await gate.waitIfNeeded()
            let outcome: Result<Response, Failure>
            let began = ContinuousClock.now
            do {
                outcome = .success(try await execute(request))
            } catch {
                outcome = .failure(error)
            }
            let elapsedMs = (ContinuousClock.now - began).milliseconds
            var retryDelay: Double?
            var failureError: BackupsError
            var ambiguous = false
            switch outcome {
            case .success(let response):
                gate.update(from: response.headers)
                serviceClock.observe(response.headers)
                if (200..<300).contains(response.status) {
                    log(request, status: response.status, attempt: attempt, ms: elapsedMs)
                    // Never trust a 2xx: an answer that is not the documented shape is an error.
                    var response = response
                    switch request.expected.check(status: response.status, body: response.body) {
                    case .success(let json): response.json = json
                    case .failure(let problem):
                        var error = BackupsError(code: response.status, type: "general_server_error",
                                                 message: "\(request.method.rawValue) \(request.path): the service answered \(response.status) with \(problem)",
                                                 body: Secrets.shared.redact(String(decoding: response.body.prefix(500), as: UTF8.self)))
                        error.attempts = attempt
                        throw error
                    }
                    if case .createServerID = request.idempotency { claim(response) }
                    return response
                }
                var error = BackupsError.from(status: response.status, body: response.body,
                                              contentType: response.headers.first(name: "content-type"))
                error.attempts = attempt
                explainEndpoint(&error, request)
                if let scope = error.missingScope {
                    error.message = "the API key of project '\(configuration.project)' lacks the scope \(scope)"
                        + ", which \(request.method.rawValue) \(request.path) needs: add it to the key in the Appwrite Console"
                }
                // A DELETE whose earlier attempt may have gone through: gone is done.
                if case .delete = request.idempotency, response.status == 404, sawAmbiguousFailure {
                    log(request, status: response.status, attempt: attempt, ms: elapsedMs, note: "gone after an ambiguous attempt: done")
                    return Response(status: 204, headers: response.headers, body: [])
                }
                if case .createWithID(let verifyPath) = request.idempotency, response.status == 409, sawAmbiguousFailure {
                    log(request, status: response.status, attempt: attempt, ms: elapsedMs, note: "exists after an ambiguous attempt: verifying")
                    if let stored = try await verifyCreated(request, at: verifyPath) { return stored }
                    throw error
                }
                if case .createServerID(let reconciliation?) = request.idempotency, response.status == 409, sawAmbiguousFailure {
                    // A restoration into a new ID: the first attempt took the ID.
                    log(request, status: response.status, attempt: attempt, ms: elapsedMs, note: "taken after an ambiguous attempt: looking")
                    if case .found(let record) = try await reconcile(request, reconciliation, since: start, settle: false) {
                        return record
                    }
                    throw error
                }
                guard error.isRetryableStatus else {
                    log(request, status: response.status, attempt: attempt, ms: elapsedMs)
                    throw error
                }
                // A gateway's 502/504: the service may have acted.
                ambiguous = response.status == 502 || response.status == 504
                retryDelay = serverDelay(response.headers)
                failureError = error
            case .failure(.status(let error, _)):
                throw error
            case .failure(.transport(var error, let isAmbiguous)):
                error.attempts = attempt
                ambiguous = isAmbiguous
                failureError = error
            }
            let code = failureError.code == 0 ? failureError.type : String(failureError.code)
            if ambiguous {
                sawAmbiguousFailure = true
                if case .createServerID(let reconciliation) = request.idempotency {
                    guard let reconciliation else {
                        log(request, status: code, attempt: attempt, ms: elapsedMs, note: "may have been created: not repeated")
                        failureError.mayHaveHappened = true
                        failureError.message += " — the \(request.noun) may have been created; check before trying again"
                        throw failureError
                    }
                    log(request, status: code, attempt: attempt, ms: elapsedMs, note: "may have been created: looking for it")
                    switch try await reconcile(request, reconciliation, since: start, settle: true) {
                    case .found(let record): return record
                    case .several(let ids):
                        failureError.mayHaveHappened = true
                        failureError.candidates = ids
                        failureError.message += " — the \(request.noun) may have been created: \(ids.count) candidates"
                            + " (\(ids.joined(separator: ", "))); check before trying again"
                        throw failureError
                    case .none: break  // it did not happen: send it again
                    }
                }
            }
            let delay = retryDelay ?? policy.backoff(attempt: attempt)
            let elapsed = (ContinuousClock.now - start).seconds
            guard attempt < policy.maxAttempts, elapsed + delay <= policy.maxTotalSeconds else {
                log(request, status: code, attempt: attempt, ms: elapsedMs, note: "giving up")
                // The time really spent, waits between attempts included: each attempt's own
                // words give only its own limit.
                if attempt > 1 { failureError.message += String(format: " (%d attempts in %.1f s)", attempt, elapsed) }
                if sawAmbiguousFailure, case .createServerID = request.idempotency {
                    failureError.mayHaveHappened = true
                }
                throw failureError
            }
            log(request, status: code, attempt: attempt, ms: elapsedMs, note: String(format: "retrying in %.2fs", delay))
            do {
                try await Task.sleep(nanoseconds: UInt64(max(0, delay) * 1e9))
            } catch {
                throw BackupsError(code: 0, type: "cancelled", message: "cancelled while waiting to retry \(request.method.rawValue) \(request.path)")
            }
        }
    }

    /// After an ambiguous failure and a 409: the create counts as done if the stored record is
    /// the one that was sent. The read follows the rules of any read (retries, --verbose).
    private func verifyCreated(_ request: BackupsRequest, at path: String) async throws(BackupsError) -> Response? {
        var get = BackupsRequest(.GET, path, idempotency: .read, noun: request.noun)
        get.purpose = "verify: is the \(request.noun) that exists the one this create sent?"
        let response: Response
        do { response = try await perform(get) } catch where error.code == 404 { return nil }
        guard let stored = try? JSONCodec.decode(response.body), case .object(let sent)? = request.body else { return nil }
        for (key, value) in sent {
            let storedKey = key == "policyId" ? "$id" : key
            if stored[storedKey] != value { return nil }
        }
        return Response(status: 201, headers: response.headers, body: response.body)
    }

    func serverDelay(_ headers: HTTPHeaders) -> Double? {
        // Numbers a server sends are read as any number from outside: finite, or not at all.
        if let ra = headers.first(name: "retry-after") {
            if let s = try? Domains.headerSeconds.read(text: ra.trimmingCharacters(in: .whitespaces)) { return max(0, s) }
            if let date = HTTPDate.parse(ra) { return max(0, date.timeIntervalSinceNow) }
        }
        if let reset = headers.first(name: "x-ratelimit-reset"), let epoch = try? Domains.headerSeconds.read(text: reset) {
            return max(0, epoch - Date().timeIntervalSince1970)
        }
        return nil
    }

    /// One attempt and no retry (the doctor's probes), logged as every attempt is.
    func probe(_ request: BackupsRequest) async throws(Failure) -> Response {
        let began = ContinuousClock.now
        do {
            let response = try await execute(request)
            log(request, status: response.status, attempt: 1, ms: (ContinuousClock.now - began).milliseconds, note: nil)
            return response
        } catch {
            let status = switch error { case .status(let e, _), .transport(let e, _): e.code == 0 ? e.type : String(e.code) }
            log(request, status: status, attempt: 1, ms: (ContinuousClock.now - began).milliseconds, note: nil)
            throw error
        }
    }

    /// `--verbose`: one line per attempt, with why a request was made and what comes next.
    func log(_ request: BackupsRequest, status: Int, attempt: Int, ms: Double, note: String? = nil) {
        log(request, status: String(status), attempt: attempt, ms: ms, note: note)
    }

    func log(_ request: BackupsRequest, status: String, attempt: Int, ms: Double, note: String? = nil) {
        guard let logger = configuration.logger else { return }
        var line = "\(request.method.rawValue) \(request.path) \(status) attempt=\(attempt) \(String(format: "%.1f", ms))ms"
        if let note { line += " → \(note)" }
        if let purpose = request.purpose { line += " (\(purpose))" }
        logger.info("\(line)")
    }
}
