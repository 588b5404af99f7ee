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
