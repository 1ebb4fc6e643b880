//! Connection limits of the listeners: how long a client may take to send a request head
//! (and a connection may sit idle), and how many connections a listener holds at once.
//! Without them, clients that send a head one byte per second, or nothing after the TLS
//! handshake, keep their connections (and file descriptors) for ever.
//!
//! A request in flight is never cut: the timers run only while hyper waits for a request
//! head, so `job_wait` and other long calls finish whatever they take.

use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use futures::future::BoxFuture;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits of one listener.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// From the accepted connection (after the TLS handshake) to its first request head.
    pub first_request: Duration,
    /// For each later request head, counted from when the connection waits for it: also
    /// how long a kept-alive connection may sit idle.
    pub request_head: Duration,
    /// TLS handshake.
    pub handshake: Duration,
    /// Connections held at once; one more is closed at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            first_request: Duration::from_secs(10),
            request_head: Duration::from_secs(60),
            handshake: Duration::from_secs(10),
            max_connections: 512,
        }
    }
}

/// An acceptor that holds one permit per connection, for as long as the connection's
/// service lives, and refuses connections when none is left.
#[derive(Clone)]
pub struct Capped<A> {
    inner: A,
    permits: Arc<Semaphore>,
}

impl<A> Capped<A> {
    /// `inner` with at most `max` connections at once.
    pub fn new(inner: A, max: usize) -> Self {
        Capped {
            inner,
            permits: Arc::new(Semaphore::new(max)),
        }
    }
}

impl<A, I, S> Accept<I, S> for Capped<A>
where
    A: Accept<I, S> + Clone + Send + Sync + 'static,
    A::Future: Send,
    I: Send + 'static,
    S: Send + 'static,
{
    type Stream = A::Stream;
    type Service = Permitted<A::Service>;
    type Future = BoxFuture<'static, io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            return Box::pin(async {
                Err(io::Error::other(
                    "connection limit reached; connection closed",
                ))
            });
        };
        let inner = self.inner.clone();
        Box::pin(async move {
            let (stream, service) = inner.accept(stream, service).await?;
            Ok((
                stream,
                Permitted {
                    inner: service,
                    _permit: Arc::new(permit),
                },
            ))
        })
    }
}

/// A connection's service, holding its connection's permit: the permit goes back when
/// the connection (and with it every clone of the service) is gone.
#[derive(Clone)]
pub struct Permitted<S> {
    inner: S,
    _permit: Arc<OwnedSemaphorePermit>,
}

impl<S, R> tower::Service<R> for Permitted<S>
where
    S: tower::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        self.inner.call(request)
    }
}
