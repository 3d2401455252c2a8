//! The server's connection layer: every connection is HTTP/1.1 with a
//! header read timeout (which is also the idle timeout of a kept-alive
//! connection: the clock runs while the server waits for the next request's
//! head), at most [`Limits::max_connections`] open at once (one more is
//! answered 503 and closed), and on the stop signal a drain: no new
//! connections, requests in flight may finish until [`Limits::drain`], then
//! whatever is still open is dropped and the server returns.
//!
//! axum's own `serve` has none of these: a client that sent half a head
//! kept its connection (and a file descriptor) for as long as it liked, and
//! SIGTERM waited for it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// The connection limits (docs in the README's server section).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client may take to send a request's head, counted from
    /// when the server starts waiting for it (so also how long a kept-alive
    /// connection may sit idle).
    pub header_timeout: Duration,
    /// Connections open at once at most.
    pub max_connections: usize,
    /// How long requests in flight may run after the stop signal.
    pub drain: Duration,
}

/// What a connection over the limit is told before it is closed.
const TOO_MANY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 46\r\nconnection: close\r\n\r\n{\"error\": \"too many connections; retry later\"}";

/// Serves `router` on `listener` until `stop` resolves, then drains for at
/// most `limits.drain`. Returns whether every connection ended within the
/// drain (false: some were cut).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) -> bool {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, say: wait a little, go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = http.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that went away or timed out is no server error.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_ok()
}

/// Answers a connection over the limit with a 503 and closes it, giving a
/// client that neither reads nor closes one second.
async fn refuse(mut stream: TcpStream) {
    let answer = async {
        stream.write_all(TOO_MANY).await?;
        stream.shutdown().await?;
        // Read what the client sent until it closes: closing with its bytes
        // unread would reset the connection and lose the answer.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        std::io::Result::Ok(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), answer).await;
}
