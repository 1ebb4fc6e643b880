//! The one table of result codes: every [`JobError`](crate::JobError) maps to a row here,
//! which gives the `result_code`, the `result_name` and the HTTP status of the REST API.
//! Real ConfD's non-zero codes are not public (spec 1.6), so they live in one place.

/// A ConfD result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultCode {
    /// Success.
    Ok,
    /// Internal failure; details are in the daemon log.
    Error,
    /// A parameter has a wrong type or value, or is unknown.
    InvalidParameter,
    /// A mandatory parameter is missing.
    MissingParameter,
    /// The named job, database, volume or backup does not exist.
    NotFound,
    /// The object is in the wrong state for the job (database not running, ...).
    WrongState,
    /// Another operation holds the object, or a name is taken.
    Conflict,
    /// The caller's groups do not allow the job.
    PermissionDenied,
    /// Valid ConfD request that this server does not implement.
    Unsupported,
}

/// Every code, in numeric order.
pub const ALL: [ResultCode; 9] = [
    ResultCode::Ok,
    ResultCode::Error,
    ResultCode::InvalidParameter,
    ResultCode::MissingParameter,
    ResultCode::NotFound,
    ResultCode::WrongState,
    ResultCode::Conflict,
    ResultCode::PermissionDenied,
    ResultCode::Unsupported,
];

impl ResultCode {
    /// `(result_code, result_name, HTTP status)`.
    const fn row(self) -> (i32, &'static str, u16) {
        match self {
            ResultCode::Ok => (0, "OK", 200),
            ResultCode::Error => (1, "ERROR", 500),
            ResultCode::InvalidParameter => (2, "INVALID_PARAMETER", 400),
            ResultCode::MissingParameter => (3, "MISSING_PARAMETER", 400),
            ResultCode::NotFound => (4, "NOT_FOUND", 404),
            ResultCode::WrongState => (5, "WRONG_STATE", 409),
            ResultCode::Conflict => (6, "CONFLICT", 409),
            ResultCode::PermissionDenied => (7, "PERMISSION_DENIED", 403),
            ResultCode::Unsupported => (8, "UNSUPPORTED", 400),
        }
    }

    /// Numeric `result_code`.
    pub const fn number(self) -> i32 {
        self.row().0
    }

    /// Upper-case `result_name`.
    pub const fn name(self) -> &'static str {
        self.row().1
    }

    /// HTTP status used by the Administration API.
    pub const fn http_status(self) -> u16 {
        self.row().2
    }

    /// The code with this `result_name`, if any.
    pub fn from_name(name: &str) -> Option<ResultCode> {
        ALL.into_iter().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_unique_and_ok_is_zero() {
        for (i, a) in ALL.iter().enumerate() {
            assert_eq!(a.number(), i as i32, "numbered in table order");
            for b in &ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
            }
            assert_eq!(ResultCode::from_name(a.name()), Some(*a));
        }
        assert_eq!((ResultCode::Ok.number(), ResultCode::Ok.name()), (0, "OK"));
    }
}
