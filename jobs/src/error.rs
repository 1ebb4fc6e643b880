//! [`JobError`]: why a job failed, phrased for the user, naming the parameter or object.

use confd_storage::StorageError;

use crate::echo::Shown;
use crate::result_code::ResultCode;

/// A job failure. Its [`code`](JobError::code) picks the row of the result-code table and
/// its `Display` text becomes `result_desc`.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// No job has this name.
    #[error("Job does not exist: '{0}'")]
    NoSuchJob(String),
    /// A parameter the job does not know.
    #[error("Unknown parameter '{name}' for job '{job}'")]
    UnknownParameter {
        /// Job name.
        job: String,
        /// Parameter name as sent.
        name: String,
    },
    /// A mandatory parameter was not given.
    #[error("Missing mandatory parameter '{0}'")]
    MissingParameter(String),
    /// A parameter has a wrong type or value.
    #[error("Invalid parameter '{name}': {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A named object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The object is in the wrong state.
    #[error("{0}")]
    WrongState(String),
    /// Another operation or object is in the way.
    #[error("{0}")]
    Conflict(String),
    /// The caller may not run this job.
    #[error("User '{user}' is not allowed to run job '{job}'")]
    PermissionDenied {
        /// Caller.
        user: String,
        /// Job name.
        job: String,
    },
    /// Valid request this server does not implement.
    #[error("{0}")]
    Unsupported(String),
    /// Anything else; the text goes to the log, not to the client.
    #[error("Internal error: {0}")]
    Internal(String),
}

impl JobError {
    /// The result-code row of this error.
    pub fn code(&self) -> ResultCode {
        match self {
            JobError::NoSuchJob(_) | JobError::NotFound(_) => ResultCode::NotFound,
            JobError::UnknownParameter { .. } | JobError::InvalidParameter { .. } => {
                ResultCode::InvalidParameter
            }
            JobError::MissingParameter(_) => ResultCode::MissingParameter,
            JobError::WrongState(_) => ResultCode::WrongState,
            JobError::Conflict(_) => ResultCode::Conflict,
            JobError::PermissionDenied { .. } => ResultCode::PermissionDenied,
            JobError::Unsupported(_) => ResultCode::Unsupported,
            JobError::Internal(_) => ResultCode::Error,
        }
    }

    /// Shorthand for [`JobError::InvalidParameter`].
    pub fn invalid(name: &str, reason: impl Into<String>) -> Self {
        JobError::InvalidParameter {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }

    /// `Database '<name>' does not exist`.
    pub fn no_such_database(name: &str) -> Self {
        JobError::NotFound(format!("Database '{}' does not exist", Shown(name)))
    }
}

impl From<StorageError> for JobError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(text) => JobError::Conflict(text),
            other => JobError::Internal(other.to_string()),
        }
    }
}
