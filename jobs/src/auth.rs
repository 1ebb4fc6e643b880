//! Users and passwords: argon2 hashes in the catalogue, and a cache of verified
//! credentials so that the hash (tens of milliseconds by design) runs once per password,
//! not once per XML-RPC call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use confd_storage::Catalog;
use confd_storage::records::UserRecord;

use crate::error::JobError;
use crate::job::Caller;

/// Checks Basic-auth credentials against the catalogue.
pub struct Authenticator {
    catalog: Arc<Catalog>,
    /// Per-process key, so cached digests are useless outside this process.
    cache_key: [u8; 32],
    /// user -> (keyed digest of the verified password, caller)
    verified: Mutex<HashMap<String, (blake3::Hash, Caller)>>,
    /// At most two password hashes at a time: wrong passwords cannot take every core.
    hashing: tokio::sync::Semaphore,
    /// Hash checked for unknown users, so they take as long as known ones.
    dummy: std::sync::OnceLock<Option<String>>,
}

impl Authenticator {
    /// An authenticator over `catalog` with an empty cache.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        let mut cache_key = [0u8; 32];
        // Without OS randomness the key stays zero; the cache is then only as secret as
        // the process memory, which holds the passwords briefly anyway.
        let _ = getrandom::fill(&mut cache_key);
        Authenticator {
            catalog,
            cache_key,
            verified: Mutex::new(HashMap::new()),
            hashing: tokio::sync::Semaphore::new(2),
            dummy: std::sync::OnceLock::new(),
        }
    }

    /// [`authenticate`](Self::authenticate) for async callers: a cached password answers
    /// at once; otherwise the hash runs on a blocking thread (at most two at a time), not
    /// on the threads that serve requests and backups.
    pub async fn authenticate_async(
        self: &Arc<Self>,
        user: &str,
        password: &str,
    ) -> Option<Caller> {
        if let Some(caller) = self.cached(user, password) {
            return Some(caller);
        }
        let _permit = self.hashing.acquire().await.ok()?;
        let (this, user, password) = (self.clone(), user.to_owned(), password.to_owned());
        tokio::task::spawn_blocking(move || this.authenticate(&user, &password))
            .await
            .ok()?
    }

    fn cached(&self, user: &str, password: &str) -> Option<Caller> {
        let digest = blake3::keyed_hash(&self.cache_key, password.as_bytes());
        let map = self.lock();
        let (known, caller) = map.get(user)?;
        // blake3::Hash compares in constant time.
        (*known == digest).then(|| caller.clone())
    }

    /// The caller for `user`/`password`, or `None` when they do not match.
    pub fn authenticate(&self, user: &str, password: &str) -> Option<Caller> {
        let digest = blake3::keyed_hash(&self.cache_key, password.as_bytes());
        if let Some((known, caller)) = self.lock().get(user) {
            // blake3::Hash compares in constant time.
            if *known == digest {
                return Some(caller.clone());
            }
        }
        let Some(record) = self.catalog.user(user).ok().flatten() else {
            // Same work as for a known user, so response times do not tell which exist.
            if let Some(dummy) = self
                .dummy
                .get_or_init(|| hash_password("no such user").ok())
                && let Ok(hash) = PasswordHash::new(dummy)
            {
                let _ = Argon2::default().verify_password(password.as_bytes(), &hash);
            }
            return None;
        };
        if !record.login_enabled {
            return None;
        }
        let hash = PasswordHash::new(&record.password_hash).ok()?;
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .ok()?;
        let caller = Caller {
            user: record.name.clone(),
            uid: record.uid,
            groups: record.groups.clone(),
        };
        self.lock()
            .insert(user.to_owned(), (digest, caller.clone()));
        Some(caller)
    }

    /// Creates or replaces a user with a new password.
    pub fn set_user(
        &self,
        name: &str,
        uid: u32,
        groups: &[&str],
        password: &str,
    ) -> Result<(), JobError> {
        let record = UserRecord {
            name: name.to_owned(),
            uid,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            password_hash: hash_password(password)?,
            login_enabled: true,
            authorized_keys: Vec::new(),
        };
        self.catalog.put_user(&record)?;
        self.lock().remove(name);
        Ok(())
    }

    /// Changes the password of an existing user.
    pub fn change_password(&self, name: &str, password: &str) -> Result<(), JobError> {
        let mut record = self
            .catalog
            .user(name)?
            .ok_or_else(|| JobError::NotFound(format!("User '{name}' does not exist")))?;
        record.password_hash = hash_password(password)?;
        self.catalog.put_user(&record)?;
        self.lock().remove(name);
        Ok(())
    }

    /// Drops what is cached of `name`: its next request is checked against the catalogue
    /// (after a delete, a disabled login or changed groups).
    pub fn forget(&self, name: &str) {
        self.lock().remove(name);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (blake3::Hash, Caller)>> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Argon2id PHC string of `password` with a random salt.
pub fn hash_password(password: &str) -> Result<String, JobError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| JobError::Internal(format!("no OS randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| JobError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| JobError::Internal(format!("password hashing failed: {e}")))
}

/// A random 20-character password of letters and digits.
pub fn generate_password() -> Result<String, JobError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)
        .map_err(|e| JobError::Internal(format!("no OS randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_password_passes_wrong_one_fails_and_change_takes_effect() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Arc::new(Catalog::open(dir.path()).unwrap());
        let auth = Authenticator::new(catalog.clone());
        auth.set_user("admin", 0, &["exaadm"], "pw1").unwrap();
        assert!(
            !catalog
                .user("admin")
                .unwrap()
                .unwrap()
                .password_hash
                .contains("pw1")
        );
        assert_eq!(
            auth.authenticate("admin", "pw1").unwrap().groups,
            vec!["exaadm"]
        );
        assert!(auth.authenticate("admin", "pw1").is_some(), "cached path");
        assert!(auth.authenticate("admin", "pw2").is_none());
        assert!(auth.authenticate("nobody", "pw1").is_none());
        auth.change_password("admin", "pw2").unwrap();
        assert!(
            auth.authenticate("admin", "pw1").is_none(),
            "old password must stop working"
        );
        assert!(auth.authenticate("admin", "pw2").is_some());
    }
}
