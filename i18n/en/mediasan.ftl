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

## The dry run, the readback, and what mediasan knows of a drive
sep-list = ,{" "}
sep-clauses = ;{" "}
hidden-native-below = the native maximum ({ $native } sectors) is below the current one ({ $visible })
hidden-dco-below = the DCO's maximum ({ $max } sectors) is below the native one ({ $base })
hidden-hides = { $name } hides { $count } sectors (visible { $visible } of { $native })
hidden-area-unknown = { $name } unknown: { $reason }
hidden-not-applicable = not applicable: { $reason }
hidden-host = the host shows { $visible } of the drive's { $native } sectors ({ $count } hidden by a bridge or the kernel)
hidden-none = none
hidden-unknown = unknown ({ $parts })
probe-not-direct-access = not a direct-access device (an optical drive, a tape)
probe-not-ata-bus = not an ATA bus
probe-not-nvme = not an NVMe namespace
probe-own-commands = an ATA or NVMe drive is erased with its own commands
probe-not-scsi-disk = not a SCSI disk
probe-not-asked = not asked
probe-no-nsid = the namespace id is not in sysfs
hidden-nvme = NVMe has no HPA or DCO
hidden-scsi = a SCSI disk has no HPA or DCO
hidden-ata-failed = ATA IDENTIFY failed: { $reason }
hidden-loop = a loop device shows all of its file
hidden-other-bus = a bus mediasan does not know
hidden-no-such-bus = this bus has no HPA or DCO
security-not-supported = not supported
security-enabled = enabled
security-disabled = disabled
security-locked = locked
security-frozen = frozen
security-exhausted = attempts exhausted
security-level-max = level maximum
security-level-high = level high
security-unknown = unknown ({ $reason })
not-applicable = not applicable
serial-blank = it is blank
serial-placeholder = it is a placeholder (all one character, or all zeros)
serial-placeholder-text = it is a placeholder text
serial-none = no serial can be read
serial-weak = the serial { $serial } cannot identify one drive: { $problem }
serial-bridges = the serial is the USB bridge's, not the drive's (the bridge passes no ATA commands): it names the enclosure, not the disk in it
serial-shared-scan = { $names } reports the same serial
serial-shared-job = { $names } report(s) the same serial { $serial }
warn-hidden = { $path }: warning: { $count } sectors are hidden ({ $summary }) and will not be written: the outcome will be incomplete (--expose-hidden removes an HPA)
warn-hidden-unknown = { $path }: warning: hidden areas could not be examined ({ $summary }): the certificate will say so
target-not-found = { $path }: no such file or device
target-permission = { $path }: permission denied ({ $error })
target-permission-hint-root = run mediasan as root
target-permission-hint = the kernel refused it even to root: an immutable or append-only file (lsattr), a security module, or a container's device policy
target-directory = { $path }: is a directory
target-directory-hint = name the files or the device to wipe, or wipe every file under it with -r
target-not-wipeable = { $path }: is a { $kind }, not a block device or regular file
kind-character-device = character device
kind-socket = socket
kind-special-file = special file
kind-changed-node = node that changed under mediasan
target-empty = { $path }: block device of size 0 (no medium inserted?)
target-busy = { $path }: device is busy: another program holds it open exclusively (a mount, swap, RAID/LVM, or another wipe)
target-busy-hint = find the holder with lsblk and fuser, and release it first
warning-line = warning: { $what }
scan-register-absent = warning: --register { $path }: no register there; carriers are matched in the default register and the index
scan-note-security = ATA security: { $security }
scan-note-erase = firmware erase: { $commands }
scan-note-hidden = hidden areas: { $hidden }
scan-note-serial-from = serial from { $source }
scan-note-carrier-identity = as a carrier's identity: { $problem }
source-usb-bridge = USB bridge descriptor
source-loop = loop backing file
serial-of-bridge = it is the serial of the USB bridge of { $disk } (the drive's own could not be read): it names the enclosure, not the disk in it
serial-all-report = { $names } all report it
job-no-register = --register { $path }: no register there
job-no-register-hint = name the register that holds the carriers, or leave --register out
index-warning = the register index { $index }: { $what }
index-replaced = { $path } holds register { $found }, not { $id } as indexed: the register there was replaced
index-unreadable = register { $id } at { $path } cannot be read, so its carriers are not checked: { $error }
index-cannot-read = cannot be read, so its registers are not checked: { $error }
erase-no-security = the drive has no ATA security feature set
erase-use-another = use another technique, or overwrite
erase-locked = ATA security is locked by a password
erase-locked-hint = only that password unlocks the drive; without it, send the drive to physical destruction
erase-frozen = ATA security is frozen (the BIOS or the dock froze it at power-up)
erase-power-cycle = power-cycle the dock (unplug its power, not only USB) with the drive in it, then try again before anything else touches it
erase-password-set = a user password is already set on the drive (by a printer or a laptop?)
erase-password-set-hint = mediasan does not know that password; disable it with the owner's password first, or destroy the drive
erase-attempts-exhausted = the drive's password attempt counter is exhausted
erase-attempts-exhausted-hint = power-cycle the drive to reset the counter
erase-no-enhanced = the drive does not support the enhanced security erase
erase-no-enhanced-hint = use --technique ata-secure-erase (normal), or another technique
erase-no-sanitize = the drive does not offer SANITIZE { $kind }
erase-scan-lists = mediasan scan lists the erase commands it offers
erase-scan-lists-drive = mediasan scan lists the erase commands the drive offers
erase-no-format = the controller does not support Format NVM
erase-no-format-crypto = the controller offers no cryptographic erase with Format NVM
erase-no-format-crypto-hint = use --technique nvme-format-user
erase-no-nvme-sanitize = the controller does not offer the Sanitize action { $action }
erase-disk-no-sanitize = the disk does not offer SANITIZE { $action }
erase-unreadable = the drive's { $what } could not be read ({ $reason })
erase-unreadable-hint = put the drive on a port or bridge that passes the drive's commands (mediasan scan shows what answered)
erase-scsi-unknown = the disk did not say whether it supports SANITIZE ({ $reason })
erase-scsi-unknown-hint = mediasan sends no erase a disk does not claim: overwrite it (--technique overwrite), and destroy it physically if it is flash
erase-not-scsi = not a SCSI disk (an ATA or NVMe drive takes its own commands)
erase-not-nvme = not an NVMe drive
erase-not-ata = not an ATA drive
erase-auto-chose = the strongest firmware erase the drive offers now: { $technique }
erase-none-offered = the drive offers no firmware erase mediasan can send now
erase-none-offered-hint = overwrite it (--technique overwrite), and destroy it physically if it is flash
technique-overwrite = the method's passes written by the host (NIST Clear)
technique-auto = the strongest firmware erase the drive offers
technique-nvme-format-user = NVMe Format NVM, user data erase (Purge)
technique-nvme-format-crypto = NVMe Format NVM, cryptographic erase (Purge)
technique-nvme-sanitize-crypto = NVMe Sanitize, crypto erase (Purge)
technique-nvme-sanitize-block = NVMe Sanitize, block erase (Purge)
technique-nvme-sanitize-overwrite = NVMe Sanitize, overwrite, one pass of zeros (Purge)
technique-ata-secure-erase = ATA SECURITY ERASE UNIT, normal (Clear: its reach is the vendor's)
technique-ata-secure-erase-enhanced = ATA SECURITY ERASE UNIT, enhanced (Clear: its reach is the vendor's)
technique-ata-sanitize-crypto = ATA SANITIZE CRYPTO SCRAMBLE (Purge)
technique-ata-sanitize-block = ATA SANITIZE BLOCK ERASE (Purge)
technique-ata-sanitize-overwrite = ATA SANITIZE OVERWRITE, one pass of zeros (Purge)
technique-scsi-sanitize-crypto = SCSI SANITIZE, cryptographic erase (Purge)
technique-scsi-sanitize-block = SCSI SANITIZE, block erase (Purge)
technique-scsi-sanitize-overwrite = SCSI SANITIZE, overwrite, one pass of zeros (Purge)
methods-line = { $title } ({ $count ->
    [one] 1 pass
   *[other] { $count } passes
})
methods-passes = passes: { $passes }
methods-source = source: { $source }
methods-custom = custom: --passes 0x00,0xFF,0x55AA,random (hex patterns of 1 to 64 bytes, phased by offset, and `random`)
methods-blank = --blank appends a final 0x00 pass to any method.
methods-techniques = techniques (wipe --technique; the drive's own commands where overwriting cannot reach):
category-clear = clear
category-purge = purge
category-chosen = that of the technique chosen
job-expose-failed = { $path }: --expose-hidden: { $error }; nothing was written
job-expose-failed-hint = wipe without --expose-hidden to overwrite what the drive shows (the outcome is then incomplete and the drive must be destroyed physically), or power-cycle the drive and try again
job-firmware-not-a-drive = a firmware erase is a drive's command: this is not a drive (a file, a loop device)
job-firmware-not-a-drive-hint = overwrite it (--technique overwrite)
job-firmware-partition = a firmware erase erases the whole drive, not a partition
job-firmware-whole-disk-hint = name the whole disk, /dev/{ $disk }
job-no-journal = { $path }: no firmware erase to resume ({ $journal }): { $error }
job-start-again = start the wipe again without --resume
job-start-again-nothing-written = start the wipe again without --resume; nothing was written
job-journal-other-drive = it was made for another drive ({ $path }, { $identity })
job-journal-other-technique = it is of --technique { $technique }
job-resume-carrier = it is the wipe of carrier { $carrier }, resumed only with --carrier { $carrier }
job-journal-no-carrier = it is not a carrier's wipe
job-journal-refused = { $path }: the firmware erase's journal { $journal } is refused: { $why }
job-no-entropy-keys = cannot read the OS entropy source for the random keys: { $error }
job-no-entropy-seed = cannot read the OS entropy source for the sample seed: { $error }
job-no-checkpoint = { $path }: no checkpoint to resume from ({ $checkpoint }): { $error }
job-checkpoint-refused = { $path }: the checkpoint { $checkpoint } is refused: { $why }
checkpoint-other-target = it was made for another target ({ $path }, { $identity })
checkpoint-method-disagrees = its method { $method } and pass list do not agree
checkpoint-malformed = its passes or keys are malformed
checkpoint-pass-count = it lists { $listed } passes, its method { $method } has { $has }
checkpoint-pass-differs = its pass { $pass } ({ $label }) is not what { $method } writes there ({ $want })
checkpoint-block-size = its block size { $block } is not one mediasan writes with
checkpoint-outside = it stands at pass { $pass } byte { $offset }, outside { $passes } passes of { $size } bytes
checkpoint-coverage = its coverage of { $ppm } ppm is not a share
checkpoint-done = it stands at pass { $pass } but reports { $done } passes done
checkpoint-report-misfit = its report of pass { $pass } does not fit the plan
job-result-unwritable = the wipe ended { $outcome } but its result cannot be written down: { $error }
job-result-unsaved = the wipe ended { $outcome } but its result could not be saved to { $path }: { $error }
job-register-unrecorded = the wipe ended { $outcome } but the register could not record it: { $error }; no certificate was written, since it would name no wipe-finished event
job-certificate-unwritten = the wipe ended { $outcome } but its certificate could not be written: { $error }
job-no-carrier = no carrier { $carrier } in the register { $register }
job-passes-hint = example: --passes 0x00,0xFF,0x55AA,random
job-unknown-method = unknown method { $name }
job-unknown-method-hint = `mediasan methods` lists them; --passes takes a custom sequence
job-result-one-target = --result takes one target; { $count } were named
job-result-one-target-hint = wipe the targets one by one, each with its own --result, or use --json
job-block-size = --block-size must be a multiple of 4096 up to 256 MiB
job-resume-verify-none = --verify none cannot go with --resume: a resumed wipe proves its last pass by reading it back
job-resume-verify-none-hint = leave --verify out (a sample), or ask for last or all
job-verify-required = { $method } requires its random pass to be verified
job-verify-required-hint = use --verify sample (the default), last or all
wipe-option-firmware = { $flag } does not go with --technique { $technique }: the drive erases itself
wipe-option-firmware-hint = leave it out, or use --technique overwrite
wipe-skipped = { $path }: skipped: { $why }
skip-other-fs = on another file system
skip-symlink = a symbolic link (never followed)
skip-not-regular = not a regular file
wipe-resume-unproven = { $path }: the checkpoint says { $claimed } pass(es) are done; the register records { $proven }: from pass { $pass } on, every pass is written again
wipe-resuming = { $path }: resuming pass { $pass } of { $of } at byte { $offset }
wipe-resuming-firmware = { $path }: resuming the firmware erase begun { $begun }: { $how }
wipe-resume-followed = the drive's sanitize is followed to its end, not sent again
wipe-resume-sent-again = it is sent again (a password it left set is cleared first)
plan-dry-run = dry run: nothing will be written
plan-dry-run-firmware = dry run: nothing will be sent
plan-file = { $path } (file, { $bytes } bytes)
screen-file = file
plan-checks-passed = checks passed:
check-exclusive = opened exclusively (O_EXCL): no mount, swap, RAID/LVM/dm or other wipe holds it
check-mounted = neither it nor any partition is mounted (/proc/self/mountinfo)
check-swap = neither it nor any partition is active swap (/proc/swaps)
check-holders = no holders on it or its partitions (/sys/block/*/holders)
check-root = it does not back the root file system
check-writable = writable (sysfs ro and BLKROGET)
check-serial = serial number readable
check-writers = no other process holds it or a partition open for writing (/proc/*/fd)
check-loop = a loop device: its backing object (LOOP_GET_STATUS64) is a file, backs no other loop device and is not swap
check-file = regular file, opened for reading; nothing else is checked for files
plan-method = method: { $method } — { $passes }
plan-writes = writes: { $count ->
    [one] 1 pass
   *[other] { $count } passes
} × { $size } = { $total }
plan-verify = verify: { $verify }: reads { $read }
plan-verify-none = none
plan-verify-sample = the last pass, sampled (at least { $coverage })
plan-verify-last = the last pass, every byte
plan-verify-all = every pass, every byte
plan-estimate = estimate: about { $time } at an assumed { $rate }
plan-rate-rotational = 150 MB/s, a typical rotational disk
plan-rate-ssd = 400 MB/s, a typical SATA SSD
plan-rate-file = 400 MB/s
plan-to-wipe = to wipe it: { $command }
plan-to-erase = to erase it: { $command }
plan-file-note = note: copy-on-write and journalling file systems and flash media may keep old copies of a file's data that overwriting it cannot reach.
plan-technique = technique: { $technique } — { $about }
plan-auto = (auto: { $why })
plan-markers = before it: 32 marker sectors written and synced; after it: read back past the caches, none may remain
duration-s = { $s } s
duration-min = { $min } min { $s } s
duration-h = { $h } h { $min } min
readback-sample = sample of { $coverage } ({ $locations } locations in { $subsections } subsections, seed { $seed })
readback-every-byte = every byte
readback-match = match
readback-mismatch = MISMATCH: { $bytes } byte(s) differ, first at { $first }
readback-interrupted = interrupted
readback-incomplete = INCOMPLETE: { $errors } read error(s)
cache-direct = bypassed: O_DIRECT reads
cache-buffered = not bypassed by the reads (buffered)
cache-dropped = cache dropped before reading (fdatasync, POSIX_FADV_DONTNEED)
cache-dropped-unsynced = cache dropped before reading (POSIX_FADV_DONTNEED; fdatasync failed)
cache-synced-kept = synced before reading (fdatasync; POSIX_FADV_DONTNEED failed)
cache-neither = neither synced nor dropped: fdatasync and POSIX_FADV_DONTNEED failed
cache-flushed = device buffers flushed (BLKFLSBUF)
cache-drive = the drive's own cache: a drive may answer a read from its cache rather than its medium
cache-loop-direct = a loop device: its backing file { $backing } is read through its file system (direct I/O), not from the medium under it
cache-loop-buffered = a loop device without direct I/O: the loop driver reads its backing file { $backing } through that file's page cache
cache-backing-tmpfs = { $backing } is on tmpfs: this medium is memory
cache-backing-drive = the cache of the drive under the backing file
cache-file-tmpfs = the file is on tmpfs, which ignores O_DIRECT and cannot drop its pages: the readback comes from memory
assurance-full = every byte was read back and matched
assurance-sampled = { $locations } independently placed locations all matched: with { $confidence }% confidence, less than { $bound } of the medium was left unwritten{ $nist ->
    [yes] {" "}(sampling as NIST SP 800-88 r1 §4.7 describes: ≥ 1000 subsections, ≥ 10 % read)
   *[no] ; this sample is smaller than NIST SP 800-88 r1 §4.7 asks (≥ 1000 subsections, ≥ 10 %)
}

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
