# mediasan 的中文消息。每个编号都与 i18n/en/mediasan.ftl 中的对应，参数相同（有测试检查）。
# JSON、结果文件和证明书的字段名不翻译。

## 错误输出
hint = 提示

## 拒绝：mediasan 不写入目标的原因，以及应当怎么做
refused = 拒绝
refusal-not-in-sysfs = 设备 { $devno } 不在 /sys/dev/block 中
refusal-not-in-sysfs-hint = 请确认该设备仍然存在（lsblk）
refusal-mounted = { $node } 已挂载于 { $mount }
refusal-mounted-hint = 请先卸载（umount），并确认这正是您要擦除的设备
refusal-swap = { $node } 是正在使用的交换区（{ $area }）
refusal-swap-hint = 请先关闭交换区（swapoff）
refusal-holders = { $node } 正被 { $holders } 占用（LVM、RAID 或 dm）
refusal-holders-hint = 请先停止占用者（vgchange -an、mdadm --stop、cryptsetup close）
refusal-backs-root = { $node } 承载着正在运行的系统的根文件系统
refusal-backs-root-hint = mediasan 从不擦除自身运行所在的磁盘；请从其他介质启动
refusal-read-only = 该设备为只读
refusal-read-only-hint = 请解除写保护（blockdev --setrw，或设备上的开关）
refusal-no-serial = 无法读取该设备的序列号
refusal-no-serial-hint = 没有序列号就无法识别或确认设备；擦除前请用其他方式确认其身份
refusal-security-locked = 该硬盘的 ATA 安全功能已被密码锁定：所有读写都会被拒绝
refusal-security-locked-hint = 密码由打印机或笔记本电脑设置，只有它能解锁；没有密码就无法覆写：请送交物理销毁
refusal-loop-over-device = 这是建在块设备 { $backing } 上的回环设备，各项检查都看不到该块设备
refusal-loop-over-device-hint = 请直接擦除其底层设备，以便按其自身的序列号检查和确认
refusal-backs-loop = 该文件是回环设备 { $node } 的后备文件
refusal-backs-loop-hint = 请先分离该回环设备（losetup -d），或改为擦除该回环设备
refusal-shares-backing = 其后备文件同时也是回环设备 { $node } 的后备文件
refusal-shares-backing-hint = 请先分离另一个回环设备（losetup -d）；一个文件只对应一个回环设备
refusal-overlay = 该文件位于 overlay 文件系统上：以写方式打开会把它复制到上层，被覆写的是副本，而不是下层的文件
refusal-overlay-hint = 请在文件实际所在处擦除，即 overlay 的下层（及上层）目录中
refusal-in-use = { $what } 正被进程 { $pid }（{ $command }）以写方式打开
refusal-in-use-hint = 请先停止该进程；若其写入的数据可以销毁，可用 --allow-open-by PID 指明
refusal-unverifiable = 无法检查{ $check }：{ $error }
refusal-unverifiable-hint = mediasan 需要挂载 /proc 和 /sys 才能检查设备；请挂载（mount -t proc proc /proc）

## 写入设备前的确认
confirm-about-to-destroy = mediasan 即将销毁该设备上的全部数据：
confirm-prompt = 请输入序列号以确认，或按回车取消：
confirm-not-confirmed = { $path }：未确认，未写入任何数据
confirm-no-serial = { $path }：无法读取该设备的序列号
confirm-mismatch = { $path }：--confirm { $given } 与设备的序列号 { $serial } 不符
confirm-mismatch-hint = 请确认这正是您要擦除的设备（mediasan wipe --dry-run 会显示其身份）
confirm-needs-terminal = { $path }：写入块设备前必须确认其序列号
confirm-needs-terminal-hint = 请先用 --dry-run 检查设备，再加上 --confirm { $serial }
screen-device = 设备
screen-partition = 分区
screen-partition-of = 属于 { $disk }
screen-model = 型号
screen-serial = 序列号
screen-serial-bridges = 这是 USB 转接器的序列号，不是硬盘的
screen-wwn = WWN
screen-bus = 总线
screen-firmware = 固件
screen-hidden = 隐藏区
screen-security = 安全状态
screen-size = 容量
screen-size-detail = { $size }（{ $bytes } 字节），逻辑扇区 { $logical }，物理扇区 { $physical }
screen-partitions = 分区表
screen-labels = 卷标
screen-none = 无
screen-no-labels = udev 未知任何卷标
screen-unknown = 未知
screen-unreadable = 无法读取

## 擦除过程中及结束后
wipe-starting = { $path }：正在以 { $method } 擦除 { $size }（共 { $passes } 遍）
wipe-firmware-starting = { $path }：正在使用硬盘自身的命令擦除：{ $technique }
wipe-summary = { $path }：{ $outcome } — 完成 { $done }/{ $passes } 遍，写入 { $written }，用时 { $seconds } 秒
outcome-sanitised = 已消除
outcome-incomplete = 未完全消除
outcome-failed = 失败
outcome-interrupted = 已中断

## 进度与校验
warning = 警告
progress-pass-finished = { $target }：第 { $index }/{ $count } 遍 { $pattern }：{ $written }，用时 { $seconds } 秒，{ $rate }/秒
progress-stopped = 已停止
verify-none = 校验：无（--verify none）
verify-pass = 已校验第 { $pass } 遍（{ $pattern }）：{ $what }，读取 { $read }，用时 { $seconds } 秒：{ $found }
verify-not-run = 校验：未进行（擦除未完成）
verify-page-cache = 页缓存
verify-not-bypassed = 未绕过
verify-assurance = 置信度
certificate = 证明书
result = 结果文件
