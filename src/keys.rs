//! Signing keys: OpenSSH private keys (with or without a passphrase), public
//! keys, and SSHSIG signatures under a namespace — the format `ssh-keygen -Y
//! sign` writes and `ssh-keygen -Y verify` checks.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, SshSig};

use crate::t;

/// Why a key could not be used.
#[derive(Debug)]
pub enum KeyError {
    // Causes are in the messages, not sources too: said once.
    Read {
        path: String,
        error: std::io::Error,
    },
    Format {
        path: String,
        what: KeyFile,
        detail: String,
    },
    Exposed {
        path: String,
        mode: u32,
    },
    WrongPassphrase {
        path: String,
    },
    NeedPassphrase {
        path: String,
    },
    Write {
        path: String,
        what: WriteStep,
        error: std::io::Error,
    },
    Sign(String),
    Agent(String),
    BadSignature(String),
}

/// Which half of a key pair a file was to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFile {
    Private,
    Public,
}

/// What writing a key pair could not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStep {
    CreatePrivate,
    WritePrivate,
    WritePublic,
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            KeyError::Read { path, error } => {
                t!("key-cannot-read", path = path.as_str(), error = error.to_string())
            }
            KeyError::Format { path, what, detail } => t!(
                "key-not-openssh",
                path = path.as_str(),
                what = match what {
                    KeyFile::Private => t!("key-private-key"),
                    KeyFile::Public => t!("key-public-key"),
                },
                detail = detail.as_str()
            ),
            KeyError::Exposed { path, mode } => {
                t!("key-exposed", path = path.as_str(), mode = format!("{mode:03o}"))
            }
            KeyError::WrongPassphrase { path } => t!("key-wrong-passphrase", path = path.as_str()),
            KeyError::NeedPassphrase { path } => t!("key-needs-passphrase", path = path.as_str()),
            KeyError::Write { path, what, error } => {
                let (path, error) = (path.as_str(), error.to_string());
                match what {
                    WriteStep::CreatePrivate => t!("key-cannot-create-private", path = path, error = error),
                    WriteStep::WritePrivate => t!("key-cannot-write-private", path = path, error = error),
                    WriteStep::WritePublic => t!("key-cannot-write-public", path = path, error = error),
                }
            }
            KeyError::Sign(e) => t!("key-sign-failed", error = e.as_str()),
            KeyError::Agent(e) => t!("key-agent", error = e.as_str()),
            KeyError::BadSignature(e) => t!("key-bad-signature", error = e.as_str()),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for KeyError {}

impl KeyError {
    /// Exit code: 2 for unusable input, 1 for a signature that does not verify.
    pub fn exit_code(&self) -> u8 {
        match self {
            KeyError::BadSignature(_) | KeyError::Sign(_) => 1,
            // A key that cannot be read or written for a reason other than its name
            // (missing, taken, a folder, not allowed): an I/O fault, not bad input.
            KeyError::Read { error, .. } | KeyError::Write { error, .. }
                if !matches!(
                    error.kind(),
                    std::io::ErrorKind::NotFound
                        | std::io::ErrorKind::PermissionDenied
                        | std::io::ErrorKind::AlreadyExists
                ) && error.raw_os_error() != Some(libc::EISDIR) =>
            {
                1
            }
            KeyError::Exposed { .. } => 3,
            _ => 2,
        }
    }
}

fn shown(path: &Path) -> String {
    crate::escape::path(path)
}

/// How a signature is made and checked. Recorded with every certificate signature and
/// in the register's facts, so that another suite (SM2 with SM3, say) can be added
/// without changing the formats again. Today there is one: OpenSSH signatures
/// (SSHSIG, SHA-512) by an OpenSSH key (ed25519 as mediasan makes them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Suite {
    #[default]
    #[serde(rename = "sshsig")]
    Sshsig,
    /// A suite this mediasan does not know: read, never trusted.
    #[serde(other, rename = "unsupported")]
    Unsupported,
}

impl Suite {
    pub fn name(self) -> &'static str {
        match self {
            Suite::Sshsig => "sshsig",
            Suite::Unsupported => "unsupported",
        }
    }
}

/// A public key of some suite, as the register and certificates keep and compare it:
/// the one key type they name (never a suite's own library type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(Public);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Public {
    Ssh(ssh_key::PublicKey),
}

impl PublicKey {
    /// The suite whose signatures this key makes.
    pub fn suite(&self) -> Suite {
        match self.0 {
            Public::Ssh(_) => Suite::Sshsig,
        }
    }

    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        match &self.0 {
            Public::Ssh(k) => k.fingerprint(HashAlg::Sha256).to_string(),
        }
    }

    /// The key as one line of text, without a comment (an OpenSSH public key line).
    pub fn line(&self) -> String {
        match &self.0 {
            Public::Ssh(k) => {
                let mut k = k.clone();
                k.set_comment("");
                k.to_openssh().unwrap_or_default().trim().to_string()
            }
        }
    }

    fn ssh(&self) -> &ssh_key::PublicKey {
        match &self.0 {
            Public::Ssh(k) => k,
        }
    }
}

impl From<ssh_key::PublicKey> for PublicKey {
    fn from(k: ssh_key::PublicKey) -> PublicKey {
        PublicKey(Public::Ssh(k))
    }
}

/// A signature suite: how its public keys are read and its signatures checked. The
/// register and the certificates ask [`provider`] for the suite they record; a new suite
/// is a new provider, and neither changes.
pub trait Provider: Sync {
    fn suite(&self) -> Suite;
    /// A public key from its one-line text form.
    fn parse_public(&self, text: &str) -> Result<PublicKey, String>;
    /// Checks `signature` over `msg` under `namespace` by `key`.
    fn verify(&self, key: &PublicKey, namespace: &str, msg: &[u8], signature: &str) -> Result<(), KeyError>;
}

/// OpenSSH signatures (SSHSIG, SHA-512) by OpenSSH keys.
struct Sshsig;

impl Provider for Sshsig {
    fn suite(&self) -> Suite {
        Suite::Sshsig
    }

    fn parse_public(&self, text: &str) -> Result<PublicKey, String> {
        ssh_key::PublicKey::from_openssh(text)
            .map(PublicKey::from)
            .map_err(|e| e.to_string())
    }

    fn verify(&self, key: &PublicKey, namespace: &str, msg: &[u8], signature: &str) -> Result<(), KeyError> {
        let sig = SshSig::from_pem(signature)
            .map_err(|e| KeyError::BadSignature(t!("key-signature-malformed", error = e.to_string())))?;
        let public = key.ssh();
        if sig.public_key() != public.key_data() {
            return Err(KeyError::BadSignature(t!("key-other-key")));
        }
        public
            .verify(namespace, msg, &sig)
            .map_err(|e| KeyError::BadSignature(e.to_string()))
    }
}

/// The provider of `suite`, if this mediasan has it.
pub fn provider(suite: Suite) -> Option<&'static dyn Provider> {
    match suite {
        Suite::Sshsig => Some(&Sshsig),
        Suite::Unsupported => None,
    }
}

/// Checks `signature` over `msg` under `namespace` by `public`, in `suite`.
pub fn verify_in(
    suite: Suite,
    public: &PublicKey,
    namespace: &str,
    msg: &[u8],
    signature: &str,
) -> Result<(), KeyError> {
    match provider(suite) {
        Some(p) if p.suite() == public.suite() => p.verify(public, namespace, msg, signature),
        Some(_) => Err(KeyError::BadSignature(t!("key-other-key"))),
        None => Err(KeyError::BadSignature(t!("key-unknown-suite"))),
    }
}

/// A key that can sign: an unlocked private key, or one held by ssh-agent.
#[derive(Clone)]
pub struct Signer {
    backend: Backend,
    path: PathBuf,
}

#[derive(Clone)]
enum Backend {
    Key(Box<PrivateKey>),
    /// The agent at `socket` signs with the key whose public half is `public`.
    Agent {
        socket: PathBuf,
        public: ssh_key::PublicKey,
    },
}

impl std::fmt::Debug for Signer {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({}, {})", shown(&self.path), self.fingerprint())
    }
}

/// What `--key agent:SELECTOR` selects: `agent:` alone (the agent's only key), a
/// fingerprint (`agent:SHA256:…`) or a public key file (`agent:/path/key.pub`).
pub const AGENT_PREFIX: &str = "agent:";

impl Signer {
    /// Reads an OpenSSH private key; `passphrase` is asked for only when the key is
    /// encrypted (it is called at most once).
    pub fn from_file(path: &Path, passphrase: impl FnOnce() -> Option<String>) -> Result<Signer, KeyError> {
        use std::io::Read;
        use std::os::unix::fs::MetadataExt;
        let read = |error| KeyError::Read {
            path: shown(path),
            error,
        };
        let mut file = fs::File::open(path).map_err(read)?;
        // The mode of the file read, not of a name looked up again.
        let mode = file.metadata().map_err(read)?.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed {
                path: shown(path),
                mode,
            });
        }
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(read)?;
        let key = PrivateKey::from_openssh(&text).map_err(|e| KeyError::Format {
            path: shown(path),
            what: KeyFile::Private,
            detail: e.to_string(),
        })?;
        let key = if key.is_encrypted() {
            let pass = passphrase().ok_or_else(|| KeyError::NeedPassphrase { path: shown(path) })?;
            key.decrypt(pass.trim_end_matches(['\n', '\r']))
                .map_err(|_| KeyError::WrongPassphrase { path: shown(path) })?
        } else {
            key
        };
        Ok(Signer {
            backend: Backend::Key(Box::new(key)),
            path: path.to_path_buf(),
        })
    }

    /// A signer around a key already in memory (tests, `key new`).
    pub fn from_key(key: PrivateKey) -> Signer {
        Signer {
            backend: Backend::Key(Box::new(key)),
            path: PathBuf::from("<memory>"),
        }
    }

    /// A key held by the ssh-agent at `$SSH_AUTH_SOCK` (hardware tokens included),
    /// chosen by `selector`: empty for the agent's only key, a `SHA256:` fingerprint,
    /// or the path of a public key file.
    pub fn from_agent(selector: &str) -> Result<Signer, KeyError> {
        let socket = std::env::var_os("SSH_AUTH_SOCK")
            .map(PathBuf::from)
            .ok_or_else(|| KeyError::Agent(t!("agent-no-socket")))?;
        let mut client = ssh_agent_client_rs::Client::connect(&socket).map_err(|e| {
            KeyError::Agent(t!(
                "agent-unreachable-at",
                socket = shown(&socket),
                error = e.to_string()
            ))
        })?;
        let keys: Vec<ssh_key::PublicKey> = client
            .list_all_identities()
            .map_err(|e| KeyError::Agent(t!("agent-cannot-list", error = e.to_string())))?
            .into_iter()
            .filter_map(|i| match i {
                ssh_agent_client_rs::Identity::PublicKey(k) => Some(k.into_owned()),
                ssh_agent_client_rs::Identity::Certificate(_) => None,
            })
            .collect();
        let wanted = if selector.is_empty() {
            None
        } else if selector.starts_with("SHA256:") {
            Some(selector.to_string())
        } else {
            Some(read_public(Path::new(selector))?.fingerprint())
        };
        let ssh_fingerprint = |k: &ssh_key::PublicKey| k.fingerprint(HashAlg::Sha256).to_string();
        let mut matching: Vec<ssh_key::PublicKey> = keys
            .into_iter()
            .filter(|k| wanted.as_ref().is_none_or(|w| ssh_fingerprint(k) == *w))
            .collect();
        let public = match (matching.len(), &wanted) {
            (1, _) => matching.remove(0),
            (0, Some(w)) => return Err(KeyError::Agent(t!("agent-no-such-key", fingerprint = w.as_str()))),
            (0, None) => return Err(KeyError::Agent(t!("agent-no-keys"))),
            (n, _) => {
                let prints: Vec<String> = matching.iter().map(ssh_fingerprint).collect();
                return Err(KeyError::Agent(t!(
                    "agent-several",
                    count = n.to_string(),
                    fingerprints = prints.join(", ")
                )));
            }
        };
        Ok(Signer {
            backend: Backend::Agent { socket, public },
            path: PathBuf::from(format!("{AGENT_PREFIX}{selector}")),
        })
    }

    pub fn public(&self) -> PublicKey {
        match &self.backend {
            Backend::Key(k) => PublicKey::from(k.public_key().clone()),
            Backend::Agent { public, .. } => PublicKey::from(public.clone()),
        }
    }

    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.public().fingerprint()
    }

    /// The suite this signer's signatures are in.
    pub fn suite(&self) -> Suite {
        Suite::Sshsig
    }

    /// An armored SSHSIG over `msg` under `namespace`.
    pub fn sign(&self, namespace: &str, msg: &[u8]) -> Result<String, KeyError> {
        let sign_err = |e: ssh_key::Error| KeyError::Sign(e.to_string());
        let sig = match &self.backend {
            Backend::Key(k) => k.sign(namespace, HashAlg::Sha512, msg).map_err(sign_err)?,
            Backend::Agent { socket, public } => {
                let data = SshSig::signed_data(namespace, HashAlg::Sha512, msg).map_err(sign_err)?;
                let mut client = ssh_agent_client_rs::Client::connect(socket)
                    .map_err(|e| KeyError::Agent(t!("agent-unreachable", error = e.to_string())))?;
                let raw = client
                    .sign(public.clone(), &data)
                    .map_err(|e| KeyError::Agent(t!("agent-would-not-sign", error = e.to_string())))?;
                SshSig::new(public.key_data().clone(), namespace, HashAlg::Sha512, raw).map_err(sign_err)?
            }
        };
        sig.to_pem(LineEnding::LF).map_err(sign_err)
    }
}

/// Checks an armored SSHSIG over `msg` under `namespace` against `public`.
pub fn verify(public: &PublicKey, namespace: &str, msg: &[u8], signature: &str) -> Result<(), KeyError> {
    verify_in(Suite::Sshsig, public, namespace, msg, signature)
}

/// Reads an OpenSSH public key (`ssh-ed25519 AAAA… comment`).
pub fn read_public(path: &Path) -> Result<PublicKey, KeyError> {
    let text = crate::files::read_text_limited(path, 1 << 20).map_err(|error| KeyError::Read {
        path: shown(path),
        error,
    })?;
    parse_public(text.trim()).map_err(|detail| KeyError::Format {
        path: shown(path),
        what: KeyFile::Public,
        detail,
    })
}

/// A public key from its line (an OpenSSH key today).
pub fn parse_public(text: &str) -> Result<PublicKey, String> {
    Sshsig.parse_public(text)
}

/// A new Ed25519 key pair from the OS entropy.
pub fn generate(comment: &str) -> Result<PrivateKey, KeyError> {
    let mut key = PrivateKey::random(&mut ssh_key::rand_core::OsRng, Algorithm::Ed25519)
        .map_err(|e| KeyError::Sign(e.to_string()))?;
    key.set_comment(comment);
    Ok(key)
}

/// Writes `key` to `path` (mode 0600, never over an existing file) and its public
/// half to `path.pub`, encrypted with `passphrase` when one is given.
pub fn write_pair(key: &PrivateKey, path: &Path, passphrase: Option<&str>) -> Result<(), KeyError> {
    fn werr(what: WriteStep, p: &Path) -> impl FnOnce(std::io::Error) -> KeyError {
        let path = shown(p);
        move |error| KeyError::Write { path, what, error }
    }
    let key = match passphrase.filter(|p| !p.is_empty()) {
        Some(p) => key
            .encrypt(&mut ssh_key::rand_core::OsRng, p)
            .map_err(|e| KeyError::Sign(e.to_string()))?,
        None => key.clone(),
    };
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| KeyError::Sign(e.to_string()))?;
    let pub_path = {
        let mut p = path.as_os_str().to_os_string();
        p.push(".pub");
        PathBuf::from(p)
    };
    // Only into a folder only root (or this user) can change (crate::files); create_new
    // below never follows a link planted at either name.
    let folder = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::files::check_folder_path(folder)
        .map_err(|e| werr(WriteStep::CreatePrivate, path)(std::io::Error::other(e)))?;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(werr(WriteStep::CreatePrivate, path))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(werr(WriteStep::WritePrivate, path))?;
    let public = key
        .public_key()
        .to_openssh()
        .map_err(|e| KeyError::Sign(e.to_string()))?;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&pub_path)
        .and_then(|mut f| f.write_all(format!("{public}\n").as_bytes()))
        .map_err(werr(WriteStep::WritePublic, &pub_path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_is_caught() {
        let a = Signer::from_key(generate("a").unwrap());
        let b = Signer::from_key(generate("b").unwrap());
        let sig = a.sign("mediasan-register", b"hello").unwrap();
        assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"));
        verify(&a.public(), "mediasan-register", b"hello", &sig).unwrap();
        assert!(verify(&a.public(), "mediasan-register", b"hellO", &sig).is_err());
        assert!(verify(&a.public(), "mediasan-certificate", b"hello", &sig).is_err());
        assert!(verify(&b.public(), "mediasan-register", b"hello", &sig).is_err());
        assert!(verify(&a.public(), "mediasan-register", b"hello", "garbage").is_err());
        assert!(!format!("{a:?}").contains("PRIVATE"));
    }

    #[test]
    fn key_files_are_0600_and_passphrases_work() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let key = generate("test").unwrap();
        write_pair(&key, &path, Some("secret words")).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(
            write_pair(&key, &path, None).is_err(),
            "never over an existing key"
        );
        let ok = Signer::from_file(&path, || Some("secret words\n".into())).unwrap();
        assert_eq!(
            ok.fingerprint(),
            PublicKey::from(key.public_key().clone()).fingerprint()
        );
        assert!(matches!(
            Signer::from_file(&path, || Some("wrong".into())),
            Err(KeyError::WrongPassphrase { .. })
        ));
        assert!(matches!(
            Signer::from_file(&path, || None),
            Err(KeyError::NeedPassphrase { .. })
        ));
        let public = read_public(&dir.path().join("k.pub")).unwrap();
        assert_eq!(public.fingerprint(), ok.fingerprint());
        let bad = dir.path().join("bad");
        fs::write(&bad, "not a key").unwrap();
        assert!(matches!(
            Signer::from_file(&bad, || None),
            Err(KeyError::Exposed { mode: 0o644, .. })
        ));
        fs::set_permissions(&bad, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            Signer::from_file(&bad, || None),
            Err(KeyError::Format { .. })
        ));
        // Readable by the group alone is enough to refuse, as ssh does.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(
            Signer::from_file(&path, || Some("secret words".into())),
            Err(KeyError::Exposed { mode: 0o640, .. })
        ));
    }
}
