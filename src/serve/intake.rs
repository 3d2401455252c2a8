//! How a request body comes in: a declared `Content-Length` over the limit
//! is refused at once (413, without reading a byte), the body must arrive
//! within the body timeout (else 408), and the work in flight is bounded:
//! request bytes being read, parsed or scored, and completions being
//! scored, each by a budget that a request waits for. With the connection
//! limit this gives the server's memory a ceiling (README, "Serving
//! rewards").

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::CONTENT_LENGTH;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits on a request and on the work in flight.
#[derive(Debug, Clone, Copy)]
pub struct IntakeLimits {
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Completions in one request at most.
    pub max_completions: usize,
    /// How long a client may take to send the body once the head is in.
    pub body_timeout: Duration,
    /// Request bytes read, parsed or scored at once at most.
    pub bytes_in_flight: usize,
    /// Completions scored (or waiting in the worker's queue) at once at most.
    pub completions_in_flight: usize,
}

/// The budgets shared by every request.
pub struct Intake {
    limits: IntakeLimits,
    bytes: Budget,
    completions: Budget,
}

/// A budget requests wait for room in.
struct Budget {
    permits: Arc<Semaphore>,
    /// All of its permits (what one `acquire_many` can ask for at most).
    size: u32,
}

/// A refused request: its status and message.
pub type Refusal = (StatusCode, String);

/// What a request holds of the byte budget while it is handled.
pub struct Admitted {
    /// The body.
    pub body: Bytes,
    _bytes: OwnedSemaphorePermit,
}

impl IntakeLimits {
    /// The limits of `max_body` bytes and `max_completions` per request,
    /// with budgets in flight of four largest bodies and two largest
    /// batches: a burst keeps the worker busy without the memory of
    /// everything it brought.
    pub fn new(max_body: usize, max_completions: usize, body_timeout: Duration) -> IntakeLimits {
        IntakeLimits {
            max_body,
            max_completions,
            body_timeout,
            bytes_in_flight: max_body.saturating_mul(4),
            completions_in_flight: max_completions.saturating_mul(2),
        }
    }
}

impl Intake {
    /// Budgets of `limits`' sizes.
    pub fn new(limits: IntakeLimits) -> Intake {
        Intake {
            limits,
            bytes: Budget::new(limits.bytes_in_flight),
            completions: Budget::new(limits.completions_in_flight),
        }
    }

    /// Reads `request`'s body within the limits, after waiting for room in
    /// the byte budget for its declared length (the largest body when none
    /// is declared).
    pub async fn read(&self, request: Request) -> Result<Admitted, Refusal> {
        let max = self.limits.max_body;
        let declared = match request.headers().get(CONTENT_LENGTH) {
            None => None,
            Some(value) => match value.to_str().ok().and_then(|v| v.parse::<u64>().ok()) {
                Some(n) => Some(n),
                None => {
                    return Err((
                        StatusCode::BAD_REQUEST,
                        "request head: Content-Length is not a number".into(),
                    ));
                }
            },
        };
        if let Some(n) = declared
            && n > max as u64
        {
            return Err(too_large(max));
        }
        let weight = declared.map_or(max, |n| n as usize);
        let bytes = self.bytes.take(weight).await?;
        let body =
            tokio::time::timeout(self.limits.body_timeout, collect(request.into_body(), max))
                .await
                .map_err(|_| {
                    (
                        StatusCode::REQUEST_TIMEOUT,
                        format!(
                            "request body: not received within {} s",
                            self.limits.body_timeout.as_secs_f64()
                        ),
                    )
                })??;
        Ok(Admitted {
            body,
            _bytes: bytes,
        })
    }

    /// Checks a request's count of completions against the limit and waits
    /// for room for them in the completions budget; the permit is held
    /// until they are scored.
    pub async fn admit(&self, completions: usize) -> Result<OwnedSemaphorePermit, Refusal> {
        if completions > self.limits.max_completions {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "request body: {completions} completions, more than the server takes in one request ({}, --max-completions); split the batch",
                    self.limits.max_completions
                ),
            ));
        }
        self.completions.take(completions).await
    }
}

impl Budget {
    fn new(size: usize) -> Budget {
        let size = u32::try_from(size.max(1)).unwrap_or(u32::MAX);
        Budget {
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
        }
    }

    /// Waits for `weight` permits (all of them at most, so a request larger
    /// than the budget runs alone rather than never).
    async fn take(&self, weight: usize) -> Result<OwnedSemaphorePermit, Refusal> {
        let weight = u32::try_from(weight).map_or(self.size, |w| w.min(self.size));
        Arc::clone(&self.permits)
            .acquire_many_owned(weight)
            .await
            .map_err(|_| {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server is stopping".into(),
                )
            })
    }
}

fn too_large(max: usize) -> Refusal {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body: over the limit of {max} bytes (--max-body)"),
    )
}

/// The whole body, refused as soon as it passes `max` bytes.
async fn collect(mut body: Body, max: usize) -> Result<Bytes, Refusal> {
    let mut bytes = Vec::new();
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|e| (StatusCode::BAD_REQUEST, format!("request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > max {
                return Err(too_large(max));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes.into())
}
