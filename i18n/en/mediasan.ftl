# mediasan's messages in English. Every id has its twin in i18n/zh-CN/mediasan.ftl, with
# the same arguments (a test checks). Field names of JSON, results and certificates are
# never translated.

## Error output
hint = hint

## Refusals: why mediasan will not write a target, and what to do
refused = refused
refusal-not-in-sysfs = device { $devno } is not in /sys/dev/block
refusal-not-in-sysfs-hint = check that the device still exists (lsblk)
refusal-mounted = { $node } is mounted at { $mount }
refusal-mounted-hint = unmount it first (umount), and make sure it is the device you mean
refusal-swap = { $node } is active swap ({ $area })
refusal-swap-hint = turn the swap area off first (swapoff)
refusal-holders = { $node } is in use by { $holders } (LVM, RAID or dm)
refusal-holders-hint = stop what holds it first (vgchange -an, mdadm --stop, cryptsetup close)
refusal-backs-root = { $node } holds the running system's root file system
refusal-backs-root-hint = mediasan never wipes the disk it runs from; boot from other media
refusal-read-only = the device is read-only
refusal-read-only-hint = clear the write protection (blockdev --setrw, or the device's switch)
refusal-no-serial = the device's serial number cannot be read
refusal-no-serial-hint = without a serial the device cannot be identified or confirmed; identify it another way before wiping
refusal-security-locked = the drive's ATA security is locked by a password: it aborts every read and write
refusal-security-locked-hint = a printer or laptop set the password and only it can unlock the drive; without the password it cannot be overwritten: send it to physical destruction
refusal-loop-over-device = it is a loop device over the block device { $backing }, which none of the checks would see
refusal-loop-over-device-hint = wipe the backing device itself, so that it is checked and confirmed by its own serial
refusal-backs-loop = the file backs the loop device { $node }
refusal-backs-loop-hint = detach the loop device first (losetup -d), or wipe the loop device instead
refusal-shares-backing = its backing file also backs the loop device { $node }
refusal-shares-backing-hint = detach the other loop device first (losetup -d); one file, one loop
refusal-overlay = the file is on an overlay file system: opening it for writing would copy it up, and the copy would be overwritten, never the file below
refusal-overlay-hint = wipe the file where it lies, in the overlay's lower (and upper) folders
refusal-in-use = { $what } is open for writing by process { $pid } ({ $command })
refusal-in-use-hint = stop that process first, or name it with --allow-open-by PID if its writes may be destroyed
refusal-unverifiable = cannot check { $check }: { $error }
refusal-unverifiable-hint = mediasan needs /proc and /sys mounted to check a device; mount them (mount -t proc proc /proc)

## The confirmation before a device is written
confirm-about-to-destroy = mediasan is about to DESTROY every byte of this device:
confirm-prompt = Type the serial number to confirm, or press Enter to cancel:{" "}
confirm-not-confirmed = { $path }: not confirmed; nothing was written
confirm-no-serial = { $path }: the device's serial number cannot be read
confirm-mismatch = { $path }: --confirm { $given } does not match the device's serial { $serial }
confirm-mismatch-hint = check that this is the device you mean (mediasan wipe --dry-run shows its identity)
confirm-needs-terminal = { $path }: writing a block device needs its serial number confirmed
confirm-needs-terminal-hint = check the device with --dry-run, then pass --confirm { $serial }
screen-device = device
screen-partition = partition
screen-partition-of = of { $disk }
screen-model = model
screen-serial = serial
screen-serial-bridges = the USB bridge's serial, not the drive's
screen-wwn = wwn
screen-bus = bus
screen-firmware = firmware
screen-hidden = hidden
screen-security = security
screen-size = size
screen-size-detail = { $size } ({ $bytes } bytes), logical sector { $logical }, physical { $physical }
screen-partitions = partitions
screen-labels = labels
screen-none = none
screen-no-labels = none known to udev
screen-unknown = unknown
screen-unreadable = unreadable

## While a wipe runs, and after
wipe-starting = { $path }: wiping { $size } with { $method } ({ $passes ->
    [one] 1 pass
   *[other] { $passes } passes
})
wipe-firmware-starting = { $path }: erasing with the drive's own command: { $technique }
wipe-summary = { $path }: { $outcome } — { $done } of { $passes } passes, { $written } written in { $seconds } s
outcome-sanitised = sanitised
outcome-incomplete = incomplete
outcome-failed = failed
outcome-interrupted = interrupted

## Progress and the verification
warning = warning
progress-pass-finished = { $target }: pass { $index }/{ $count } { $pattern }: { $written } in { $seconds } s, { $rate }/s
progress-stopped = stopped
verify-none = verification: none (--verify none)
verify-pass = verified pass { $pass } ({ $pattern }): { $what }, { $read } read in { $seconds } s: { $found }
verify-not-run = verification: not run (the wipe did not finish)
verify-page-cache = page cache
verify-not-bypassed = not bypassed
verify-assurance = assurance
certificate = certificate
result = result

## Batches
batch-about-to-destroy = the batch will DESTROY every byte of these drives:
batch-heads = LINE, DEVICE, MODEL, SERIAL, SIZE, PARTITIONS, CARRIER, CLASS, METHOD, ESTIMATE
batch-needs-terminal = the batch needs its drives confirmed, and there is no terminal to ask at
batch-needs-terminal-hint = write the serials to a file, one a line, and pass --confirm-serials FILE
batch-prompt = line { $line } { $path } ({ $carrier }): type the last four characters of its serial:{" "}
batch-not-confirmed = line { $line }: not confirmed; nothing was written
batch-summary-head = LINE  DEVICE / CARRIER / OUTCOME / RATE / TIME / CERTIFICATE

## Keys
passphrase-for = passphrase for { $key }:{" "}
passphrase-new = new passphrase:{" "}
passphrase-again = again:{" "}
passphrase-differ = the passphrases differ; no key was written

## Certificates
cert-valid = VALID: every check holds
cert-valid-allowed-signers = VALID as far as an allowed-signers file can tell: signatures and identities hold; roles and the register link need the register
cert-not-valid = NOT VALID: see FAIL above

## Certificates: verify's checks, signers, keys, and the demo
role-operator = operator
role-supervisor = supervisor
role-approver = approver
cert-error-malformed = not a certificate: { $error }
cert-error-format = format { $found }; this mediasan reads { $format }
cert-error-canonical = cannot canonicalise the body: { $error }
cert-number-unsafe = a number beyond 2^53 - 1 cannot be signed exactly
cert-body-no-format = the body has no format
cert-json-number-unsafe = { $number } is beyond what RFC 8785 canonical JSON keeps exactly (2^53 - 1)
cert-json-float = floating-point numbers have no place in a certificate
cert-json-duplicate-key = duplicate key { $key }
cert-key-malformed = its public key is malformed: { $error }
cert-fingerprint-not-key = its fingerprint is not its public key's
cert-check-digest = body digest
cert-digest = SHA-256 { $digest } of the RFC 8785 canonical body
cert-check-operator-signature = operator signature
cert-operator-first = the first signature must be the operator's
cert-check-signature = signature { $n } ({ $role } { $signer })
cert-signature-valid = valid, key { $fingerprint }
cert-check-who-signed = who signed
cert-who-nobody = cannot be established without the register (--register) or an allowed-signers file (--allowed-signers)
cert-check-listed = { $fingerprint } is { $signer }
cert-listed = listed in the allowed-signers file (roles not established without the register)
cert-not-listed = not listed for that principal
cert-check-register-verifies = register verifies
cert-register-verifies = { $events } events, chain and signatures
cert-register-derived = derived tables disagree: { $derived }
cert-register-broken = broken at event { $seq }: { $problem }
cert-check-role = { $signer } is { $role }
cert-role-enrolled = { $id } ({ $name }), enrolled at event { $seq }
cert-role-other = the key belongs to { $id } ({ $name }), { $role } in the register
cert-role-unknown-key = the key is not in the register
cert-check-cosigners-distinct = co-signers are other people
cert-cosigners-distinct = every signer is a different person and key
cert-cosigners-twice = a person or key signs twice (the supervisor must not be the operator)
cert-check-cosignatures = co-signatures
cert-cosignatures = { $count } of { $required } required supervisor co-signature(s)
cert-check-register-link = register link
cert-link-none = not linked to any register (wiped without --carrier)
cert-link-unchecked = not checked: no register given
cert-check-register = register
cert-link-this = the certificate names this register
cert-link-other = the certificate names another register
cert-check-register-event = register event
cert-event-past-head = event { $seq } is past the register's head { $head }: the register was rolled back
cert-event-missing = event { $seq } is not in the register
cert-event-found = wipe-finished event { $seq } with that hash
cert-event-other = event { $seq } is a { $kind } with another hash
cert-check-event-bound = register event is this wipe's
cert-event-bound = same carrier, operator and outcome
cert-event-unbound = the event is not this carrier's, this operator's or this outcome's
cert-check-cosignature-recorded = co-signature of { $signer } recorded
cert-cosignature-recorded = a certificate-cosigned event by them records this digest
cert-cosignature-unrecorded = no certificate-cosigned event by them records this digest
cert-check-recorded = certificate recorded
cert-recorded = a certificate-signed event records this body's digest
cert-unrecorded = no certificate-signed event records this body's digest
cert-check-filed-register = register id filed on paper
cert-filed-linked = the certificate is linked to register { $register }
cert-filed-linked-other = the certificate is linked to register { $register }, not { $filed }
cert-filed-unlinked = the certificate is linked to no register, not { $filed }
cert-check-consulted = register consulted is the filed one
cert-consulted-same = register { $register }
cert-consulted-other = the register consulted is { $register }, not { $filed }: another register
signers-line = line { $line }: { $error }
signers-no-principals = no principals
signers-no-key = no key: { $error }
signers-option-twice = more than one { $option } option
signers-option-needs-value = { $option } needs a value
signers-unknown-option = unknown option { $option }
signers-validity-order = valid-before is not after valid-after
signers-open-quote = a double quote is not closed
signers-empty-option = an empty option (a stray comma)
signers-unquoted-value = an option value must be in double quotes
signers-unclosed-value = an option value's closing quote is missing
signers-not-a-time = { $time } is not a time (YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z])
pdf-drawn-unreadable = the PDF just drawn cannot be read back: { $error }
pdf-no-catalogue = the PDF just drawn has no catalogue: { $error }
pdf-cannot-write = cannot write the PDF: { $error }
pdf-unreadable = not a PDF that can be read ({ $error })
pdf-no-attachments = it has no attached files: it was not printed by mediasan cert render, or the attachment was removed
pdf-no-stream = its certificate attachment has no file stream
pdf-cannot-decompress = its certificate attachment cannot be decompressed ({ $error })
pdf-no-certificate = it has attached files, but no certificate (*.cert.json)
pdf-several-certificates = it has { $count } certificate attachments: a PDF of mediasan's has one; which one the page shows cannot be told
key-private-key = private key
key-public-key = public key
key-cannot-read = { $path }: cannot read the key: { $error }
key-not-openssh = { $path }: not an OpenSSH { $what } ({ $detail })
key-exposed = { $path }: the private key is readable by others (mode { $mode }); like ssh, mediasan refuses to use it
key-wrong-passphrase = { $path }: the passphrase is wrong
key-needs-passphrase = { $path }: the key is passphrase-protected and no passphrase was given
key-cannot-create-private = { $path }: cannot create the private key file: { $error }
key-cannot-write-private = { $path }: cannot write the private key: { $error }
key-cannot-write-public = { $path }: cannot write the public key: { $error }
key-sign-failed = signing failed: { $error }
key-agent = ssh-agent: { $error }
key-bad-signature = the signature does not verify: { $error }
key-unknown-suite = its signature suite is not one this mediasan knows
key-signature-malformed = malformed: { $error }
key-other-key = made with another key
agent-no-socket = SSH_AUTH_SOCK is not set: no ssh-agent to ask
agent-unreachable-at = cannot reach the agent at { $socket }: { $error }
agent-cannot-list = the agent would not list its keys: { $error }
agent-no-such-key = the agent holds no key { $fingerprint }
agent-no-keys = the agent holds no keys (ssh-add one)
agent-several = the agent holds { $count } keys; choose one with agent:FINGERPRINT ({ $fingerprints })
agent-unreachable = cannot reach the agent: { $error }
agent-would-not-sign = the agent would not sign: { $error }
cert-path-error = { $path }: { $error }
cert-list-separator = ;{" "}
cert-cannot-read = { $path }: cannot read it: { $error }
cert-pdf-not-signed-in-place = { $path }: a printed certificate (PDF) is not signed in place
cert-pdf-not-signed-in-place-hint = co-sign the .cert.json file, then render the PDF again
cert-attached = { $path }: its attached certificate: { $error }
cert-cannot-write = { $path }: cannot write: { $error }
cert-cosign-what = cert cosign: name a certificate, or --batch BATCH.json
cert-no-register-there = --register { $path }: no register there
cert-verify-head = { $path }: certificate { $id }
cert-verify-head-pdf = { $path }: certificate { $id } (the signed file attached to this PDF; what the page shows is its print)
cert-verify-trusted = the register id this station trusts: { $register } ({ $at })
cert-verify-register = register { $register } of { $org }, founded by { $founder }
cert-render-html = HTML: { $path }
cert-render-pdf = PDF: { $path } (font: { $font }; the signed certificate is attached inside)
cert-export-key-unknown = { $signer }'s key { $fingerprint } is not in the register
cert-cosign-no-operator = the certificate has no operator signature
cert-cosign-first-not-operator = the certificate's first signature is not an operator's
cert-cosign-operator-invalid = the operator's signature is not valid: { $error }; nothing was signed
cert-cosign-unlinked = the certificate is not linked to a register: there is nothing to co-sign against
cert-cosign-does-not-verify = the certificate does not verify; nothing was signed:
cert-cosign-key-unknown = the key { $fingerprint } is not in the register
cert-cosign-not-supervisor = { $id } ({ $name }) is not an active supervisor: only a supervisor co-signs
cert-cosign-is-operator = { $id } ({ $name }) is the operator: a co-signer is another person
cert-cosign-signed-already = { $id } ({ $name }) has signed already: a co-signer is another person
cert-cosigned = { $path }: co-signed by { $id } ({ $name }), key { $fingerprint }
cert-batch-status-pending = pending
cert-batch-status-done-earlier = done-earlier
cert-batch-without-line = line { $line } ({ $carrier }): { $status }
cert-batch-bad-line = line { $line } ({ $carrier }): { $path }: { $error }
cert-batch-cannot-cosign = { $count } certificate(s) of the batch cannot be co-signed; none was signed:
cert-batch-no-certificates = { $path }: the batch has no certificates
cert-batch-cosigning = co-signing { $count } certificate(s) of the batch { $path }:
cert-batch-row = line { $line } { $carrier } serial { $serial } { $outcome } { $path }
cert-batch-without = without a certificate (nothing to co-sign): { $list }
cert-batch-count-mismatch = --confirm-count { $given }: the batch has { $count } certificate(s); none was signed
cert-batch-prompt = Type { $count } to co-sign all of them, or press Enter to cancel:{" "}
cert-batch-not-confirmed = not confirmed; none was signed
cert-batch-needs-terminal = co-signing a batch needs a confirmation, and there is no terminal to ask at
cert-batch-needs-terminal-hint = pass --confirm-count { $count } after checking the table
cert-batch-cosign-failed = { $path }: { $error }; co-signed before it: { $done }

## Scan
scan-heads = DEVICE, BUS, SIZE, MODEL, SERIAL, HIDDEN, WIPE, CARRIER
scan-none = no drives found in /sys/block
scan-not-wiped = not wiped
yes = yes
no = no

## The job's refusals
job-not-the-carrier = { $path }: this is not carrier { $carrier }: it reports { $reports }, the register has serial { $serial }
job-not-the-carrier-hint = check the device you attached against the carrier's label
job-partition-not-carrier = { $path }: a partition is not carrier { $carrier }: a carrier is wiped whole
job-whole-disk-hint = wipe the whole disk, /dev/{ $disk }
job-technique-refused = { $path }: --technique { $technique }: { $why }; nothing was sent
job-weak-serial = { $path }: its serial cannot identify it as a carrier: { $problems }
job-weak-serial-bridge-hint = put the drive on a bridge that passes ATA commands (most SATA docks do; mediasan scan shows the serial's source), or on a SATA port
job-weak-serial-hint = detach the other drive, or identify the carrier another way; a plain wipe with --confirm is still possible
job-registered-carrier = { $path }: this device is the registered carrier { $carrier } ({ $classification }): it is wiped only with --carrier { $carrier } and an approval

## The register's approvals
register-no-carrier = no carrier { $carrier } in this register
carrier-no-approval = carrier { $carrier } has no approval for destruction
approval-other-carrier = approval { $approval } is for carrier { $other }, not { $carrier }
approval-revoked = approval { $approval } was revoked
approval-expired = approval { $approval } expired at { $expires }
approval-own-wipe = approval { $approval } was given by { $operator }, who cannot approve their own wipe
approval-stale = approval { $approval } no longer matches carrier { $carrier } (serial or classification)
