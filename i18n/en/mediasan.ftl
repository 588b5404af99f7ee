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

## The register: its rules, its audit and its commands
role-operator = operator
role-supervisor = supervisor
role-approver = approver
status-in-store = in-store
status-issued = issued
status-in-repair = in-repair
status-approved = approved
status-wiping = wiping
status-wiped = wiped
status-handed-over = handed-over
status-destroyed = destroyed
status-disposed = disposed
rule-list-sep = {" "}or{" "}
rule-list-last = {" "}or{" "}
rule-malformed-details = event { $seq }: malformed { $kind } details: { $error }
rule-unknown-kind = unknown event kind { $kind }
rule-created-not-first = register-created can only be the first event
rule-founder-signs = the founder must sign the register's creation
rule-no-created = the register has no register-created event
rule-founder-first = the founder enrols first, as an approver, with the key named at creation
rule-not-enrolled = { $actor } is not enrolled in this register
rule-actor-retired = { $actor } ({ $name }) is retired and can no longer act
rule-wrong-role = { $actor } ({ $name }) is { $role ->
        [operator] an operator
        [approver] an approver
       *[supervisor] a supervisor
    }; { $kind } needs { $roles }
rule-malformed-time = event { $seq }: malformed time
rule-person-exists = a person with id { $person } is already enrolled
rule-key-enrolled-as = the key { $fingerprint } is already enrolled, as { $person }
rule-no-person = no person { $person }
rule-already-retired = { $person } is already retired
rule-carrier-exists = carrier { $carrier } is already registered
rule-serial-taken = serial { $serial } is already carrier { $carrier } ({ $status })
rule-no-serial = a carrier needs its serial number
rule-serial-too-long = a serial number of { $bytes } bytes is not a serial number
rule-approval-other-register = the approval names another register
rule-approval-mismatch = the approval does not match carrier { $carrier } (serial or classification)
rule-approval-exists = approval { $approval } exists already
rule-malformed-expiry = malformed expiry
rule-approval-expires-early = the approval would expire before it is given
rule-revoke-who = only an approver, or whoever recorded it, can revoke an approval
rule-approval-already-revoked = approval { $approval } is already revoked
rule-wipe-serial = the device's serial { $serial } is not carrier { $carrier }'s { $registered }
rule-not-image-path = carrier { $carrier } has serial { $serial }, not the image path { $path }
rule-not-file-identity = { $serial } is not a file's identity (file:MAJ:MIN:INO)
rule-object-taken = { $serial } is already carrier { $carrier }
rule-not-a-pass = pass { $pass } of { $of } of the wipe begun at event { $wipe } is not a pass of a wipe
rule-checkpoint-head = a checkpoint names the head it follows
rule-no-valid-approval = carrier { $carrier } has no valid approval for destruction
rule-issue-needs-person = issue needs the person it goes to
rule-transfer-needs-custodian = a transfer needs the new custodian
rule-unknown-destruction = unknown destruction method { $method }: { $methods }
rule-classified-no-reuse = carrier { $carrier } once held classified data: it must never be reused outside (art. 30); it is destroyed as a classified carrier (art. 29)
rule-classified-no-disposal = carrier { $carrier } once held classified data: it must not be disposed of; it is destroyed as a classified carrier (art. 29)
rule-person-id = person id { $person } must be ASCII letters, digits, '-', '_' or '.'
rule-bad-public-key = bad public key: { $error }
rule-who-custodian = custodian
rule-who-recipient = recipient
rule-who-new-custodian = new custodian
rule-person-retired = the { $who } { $person } is retired
rule-person-not-enrolled = the { $who } { $person } is not enrolled
rule-destroyed = carrier { $carrier } is destroyed: { $kind } is not possible any more
rule-disposed = carrier { $carrier } is disposed of: { $kind } is not possible any more
rule-wrong-status = carrier { $carrier } is { $status }; { $kind } needs it { $statuses }
register-no-approval = no approval { $approval }
register-refused = refused: { $rule }
register-missing = { $path }: no register here
register-missing-hint = create one with `mediasan register init`, or name it with --register
register-exists = { $path }: a register (or another file) already exists here
register-not-a-register = { $path }: not a mediasan register ({ $detail })
register-no-schema = no mediasan schema
register-no-created = no register-created event
register-newer-schema = { $path }: the register has schema version { $found }, newer than this mediasan knows ({ $known })
register-newer-schema-hint = use the mediasan release that wrote it, or a newer one
register-sql = { $path }: { $what }: { $error }
register-not-enrolled = the key { $fingerprint } belongs to nobody enrolled in this register
register-not-enrolled-hint = act with your own enrolled key (--key or MEDIASAN_KEY)
register-signed-by-mismatch = --signed-by must be the private key of --key (the founder proves they hold it); it is { $signer }, the public key is { $public }
register-founder-id = person id { $person }: ASCII letters, digits, '-', '_', '.'
register-cannot-create-folder = { $path }: cannot create the folder: { $error }
register-no-entropy-id = no OS entropy for the register id: { $error }
register-backup-utf8 = the backup path must be UTF-8
register-row = carrier { $index }: { $error }
register-sql-backup = backup failed
register-sql-append = cannot append the event
register-sql-commit = cannot commit
register-sql-count = cannot count rows
register-sql-create = cannot create the register
register-sql-look-up-key = cannot look the key up
register-sql-open = cannot open the register
register-sql-read-approvals = cannot read approvals
register-sql-read-the-approvals = cannot read the approvals
register-sql-read-carriers = cannot read carriers
register-sql-read-events = cannot read events
register-sql-read-meta = cannot read meta
register-sql-read-people = cannot read people
register-sql-read-head = cannot read the chain's head
register-sql-read-for-rules = cannot read the register to check the rules
register-sql-read-facts = cannot read the register's facts
register-sql-synchronous = cannot set synchronous=FULL
register-sql-busy-timeout = cannot set the busy timeout
register-sql-begin = cannot start a transaction
register-sql-wal = cannot switch to WAL
register-sql-update-derived = cannot update the derived tables
register-sql-migration = migration
register-clock-back = this machine's clock reads { $now }, earlier than the register's last event ({ $last }): the clock was set back, or that event is dated in the future; set the clock right, then try again
register-no-id = cannot allocate an id: { $error }
register-details = cannot write the event's details: { $error }
register-kind-unknown = kind { $kind }: one of { $kinds }
register-serial-empty = the serial number is empty
register-serial-control = the serial number holds control characters
register-too-long = the { $what } is { $bytes } bytes long; at most { $max } are taken
register-field-make = make
register-field-model = model
register-field-unit = unit
register-field-custodian = custodian
register-field-host-asset = host asset
register-field-label = label
register-field-serial = serial number
register-classification-unknown = classification { $classification }: one of { $classifications }
register-image-missing = serial { $serial } names an image by its path, but no regular file is there ({ $error })
register-key-enrolled = the key { $fingerprint } is already enrolled
register-name-ambiguous = { $count } people are named { $name }: { $ids }; name one by their id
register-serial-weak = the serial { $serial } cannot identify one carrier: { $problem }; register the drive by a serial it really has (mediasan scan shows where each came from)
register-no-facts = the register has no facts
register-no-entropy = no OS entropy: { $error }
register-line = line { $line }: { $error }
register-index-writable = it is writable by others (mode { $mode }): anyone could have removed a register from it
csv-not-text = the file is neither UTF-8 nor GBK text
csv-no-column = line 1: the header has no { $column } column
csv-capacity = line { $line }: capacity { $capacity } is not a number of bytes
csv-utf8-bom = UTF-8 with BOM
audit-missing = event { $seq } is missing (the next stored is { $next })
audit-out-of-order = event { $seq } is out of order
audit-chain-broken = its predecessor's hash does not match: the chain is broken before it
audit-edited = its hash does not match its contents: it was edited
audit-time = its time is malformed or earlier than its predecessor's
audit-actor-not-enrolled = its actor { $actor } is not enrolled
audit-bad-key = the actor's key is malformed: { $error }
audit-rule = it breaks a rule: { $error }
audit-signature = its signature does not verify with its actor's key
audit-meta = the register's facts (meta) disagree with register-created
audit-rows = { $table }: { $stored } rows stored, the events give { $count }
audit-row-disagrees = { $table }: { $id } disagrees with the events
acting-need-passphrase-hint = give --key-passphrase-file, or run on a terminal to be asked
acting-wrong-passphrase-hint = nothing was signed; try again
acting-exposed-hint = make it readable by its owner only: chmod 600 { $path }
acting-passphrase-file = --key-passphrase-file { $path }: cannot read it: { $error }
acting-no-key = no key to sign with
acting-no-key-hint = give --key FILE or set MEDIASAN_KEY; every event is signed by whoever acts
register-said = { $what } (event { $seq }, { $hash })
register-at-path = { $path }: { $error }
init-no-org = the register needs its organisation
init-no-org-hint = give --org, or set organisation in the configuration (mediasan config show)
init-index-unwritable = the register index { $index } cannot be added to: { $error }
init-index-unwritable-hint = run as root, or name another index with --index (MEDIASAN_INDEX)
init-no-facts = the new register has no facts
init-not-indexed = the register was created at { $path } but could not be added to the index { $index }: { $error }
init-not-indexed-hint = until it is indexed, wipes that name another register do not see its carriers
init-created = register created at { $path }
init-org = {"  "}organisation  { $org }
init-register-id = {"  "}register id   { $id }
init-founder = {"  "}founder       { $person } ({ $name }), approver, key { $fingerprint }
init-head = {"  "}head          { $seq }:{ $hash }
init-indexed = {"  "}indexed in    { $index }
init-file-on-paper = File the register id and the head on paper: a re-initialised register is a different register.
register-verify-bad-anchor = --anchor { $anchor }: expected SEQ:HASH (64 hex digits)
register-verify-counts = { $path }: { $events } events, { $signatures } signatures checked in { $ms } ms
register-verify-id = {"  "}register id { $id }
register-verify-no-id = (none: register-created is missing or broken)
register-verify-founder = {"  "}founder { $person } ({ $name }), { $org }
register-verify-head = {"  "}head { $seq }:{ $hash }
register-verify-id-differs = {"  "}REGISTER ID DIFFERS from the one filed: this is another register
register-verify-broken = {"  "}BROKEN at event { $seq }: { $problem }
register-verify-derived = {"  "}DERIVED TABLE DISAGREES: { $problem }
register-verify-anchor-in = {"  "}anchor { $seq }:{ $hash } is in the chain
register-verify-anchor-out = {"  "}ANCHOR { $seq }:{ $hash } IS NOT IN THE CHAIN: this register was rolled back or replaced
register-verify-ok = register verified: chain, signatures and derived tables agree
register-verify-failed = REGISTER VERIFICATION FAILED
register-migrated = { $carrier }: { $previous } is now { $serial }
register-migrate-lost = { $carrier }: { $serial } reaches no regular file ({ $error }): it stays identified by that path only
register-migrate-none = no carrier is identified by an image path: nothing to migrate
register-migrate-approve-again = approvals given before this name the old serial: approve these carriers again
register-checkpoint-signed = checkpoint signed by { $person } at { $time }
register-checkpoint-anchor = {"  "}anchor to file:  { $seq }:{ $hash }
register-checkpoint-check = {"  "}check it later:  mediasan register verify --anchor { $seq }:{ $hash }
register-backup-written = backup written to { $path }
person-add-done = enrolled { $person } ({ $name }) as { $role }, key { $fingerprint }
person-list-retired = {"  "}(retired)
person-retire-done = retired { $person }
carrier-add-done = registered { $carrier } ({ $kind }, serial { $serial }, { $classification })
carrier-show-kind = {"  "}kind { $kind }, serial { $serial }, capacity { $capacity } bytes
carrier-show-unit = {"  "}unit { $unit }, custodian { $custodian }, status { $status }
carrier-show-host = {"  "}in { $host }
carrier-show-approval-valid = {"  "}approval { $approval } by { $approver } valid until { $expires }{ $paper }
carrier-show-approval-revoked = {"  "}approval { $approval } by { $approver } revoked { $expires }{ $paper }
carrier-show-paper = , paper form { $paper }
carrier-show-event = {"  "}{ $seq } { $time } { $kind } by { $actor } { $details }
carrier-destroyed = { $carrier }: destroyed ({ $method }, { $facility })
carrier-disposed = { $carrier }: disposed of ({ $destination })
carrier-moved = { $carrier }: { $kind }
carrier-import-unreadable = { $path }: cannot read it: { $error }
carrier-import-bad-rows = { $path }: { $count } bad row(s); nothing was imported:
carrier-import-row-failed = { $path }: line { $line }: { $error }; nothing was imported
carrier-imported = { $path }: { $count } carrier(s) registered ({ $encoding }): { $first } … { $last }
carrier-export-failed = { $path }: cannot write: { $error }
carrier-serial-attached = the serial { $serial } cannot identify one carrier: { $problem }; nothing was registered
carrier-serial-attached-hint = read the drive's own serial on a SATA port or a dock that passes ATA commands (mediasan scan shows each serial's source)
approve-revoked = approval { $approval } revoked
approve-valid-for = --valid-for { $days }: from 1 to 3660 days
approve-given = approval { $approval } for { $carrier } (serial { $serial }, { $classification }) valid until { $expires }{ $paper }
approve-paper = , recording paper form { $paper }
approve-file-head = head { $seq }:{ $hash } (file it with the approval form)
key-new-pair = { $path }: Ed25519 key for { $name }, { $fingerprint }
key-new-public = public key: { $path }.pub
