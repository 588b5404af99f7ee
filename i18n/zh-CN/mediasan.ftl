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

## 批量处理
batch-about-to-destroy = 本批次即将销毁以下硬盘上的全部数据：
batch-heads = 行, 设备, 型号, 序列号, 容量, 分区, 载体, 密级, 方法, 预计用时
batch-needs-terminal = 本批次须确认各硬盘，但没有可供询问的终端
batch-needs-terminal-hint = 把序列号写入一个文件（每行一个），并加上 --confirm-serials FILE
batch-prompt = 第 { $line } 行 { $path }（{ $carrier }）：请输入其序列号的最后四位：
batch-not-confirmed = 第 { $line } 行：未确认，未写入任何数据
batch-summary-head = 行  设备 / 载体 / 结果 / 速度 / 用时 / 证明书

## 密钥
passphrase-for = { $key } 的口令：
passphrase-new = 新口令：
passphrase-again = 再输入一次：
passphrase-differ = 两次输入的口令不一致；未写出密钥

## 证明书
cert-valid = 有效：各项检查均通过
cert-valid-allowed-signers = 就 allowed-signers 文件所能判断的而言有效：签名和身份成立；角色和登记簿关联须有登记簿才能核对
cert-not-valid = 无效：见上面的 FAIL

## 扫描
scan-heads = 设备, 总线, 容量, 型号, 序列号, 隐藏区, 可擦除, 载体
scan-none = /sys/block 中未找到硬盘
scan-not-wiped = 不予擦除
yes = 是
no = 否

## 帮助（--help）：命令与选项的说明。英文帮助即 src/cli.rs 中的文档注释，故这些编号只有中文。
help = 涉密载体的安全信息消除：覆写、校验、出具证明并登记
help-scan = 列出所连接的硬盘：身份及其来源、隐藏区、安全状态、mediasan 是否会擦除，以及它在登记簿中对应的载体
help-wipe = 覆写块设备、分区、磁盘映像或文件
help-batch = 同时处理多块已登记载体的硬盘：先核对、一次确认、并行擦除、每块一份证明书
help-batch-run = 擦除清单（CSV：设备、载体，可选方法、校验和擦除方式；中英文表头，UTF-8 或 GBK）中的每块硬盘
help-batch-watch = 等待硬盘接入（内核 uevent），对清单中的或已批准的载体的硬盘经同样检查后擦除；其他硬盘只显示、绝不触碰
help-methods = 列出擦除方法及其各遍内容和出处
help-verify = 回读目标，检查其内容是否为某一图样，或重做以前某次擦除的校验
help-register = 载体登记簿：创建、校验、设检查点、备份
help-register-init = 创建登记簿并录入首位审批人（由其本人签名）
help-register-verify = 重新计算哈希链、每个签名和派生表；指出第一处断裂
help-register-migrate = 将按路径登记的映像载体改为按文件本身（设备号和 inode）识别，使改名、链接或绑定挂载后仍是同一载体
help-register-checkpoint = 由监销人签署链头；打印并存档于纸面
help-register-backup = 登记簿的一致性副本（含 WAL）
help-person = 登记簿中的人员：操作员、监销人、审批人
help-person-add = 录入人员，由审批人签名
help-person-list = 列出人员
help-person-retire = 注销人员：其此后不能再操作
help-carrier = 登记簿中的载体及其全生命周期事件
help-carrier-add = 登记一个载体
help-carrier-list = 列出载体（--custodian P：离岗人员须交回的载体，第十七条）
help-carrier-show = 显示一个载体及其审批和事件
help-carrier-issue = 发放给某人
help-carrier-return = 收回入库
help-carrier-transfer = 将责任人变更为另一人
help-carrier-repair-out = 送修（现场维修、有人监督：第二十八条）
help-carrier-repair-in = 维修归还
help-carrier-hand-over = 送销
help-carrier-destroy = 记录其物理销毁；可先后采用多种方法（第二十四条）
help-carrier-dispose = 记录其处置（曾属涉密的载体绝不外部再利用）
help-carrier-import = 登记 CSV 文件（UTF-8 或 GBK，可由台账导出）中的全部载体：要么全部登记，要么一个也不登记
help-carrier-export = 以 CSV（带 BOM 的 UTF-8，便于 Excel）导出载体
help-approve = 批准销毁某个已登记的载体（或撤销一项批准）
help-key = 生成用于签名的 Ed25519 密钥对（私钥权限 0600）
help-key-new = 新的 Ed25519 密钥对：FILE（0600）和 FILE.pub
help-cert = 证明书：会签、核验、导出供标准 OpenSSH 核验
help-cert-cosign = 加上监销人的签名（签名人须为监销人，而非操作员）
help-cert-verify = 核验摘要、每个签名、签名人的角色，以及与登记簿的关联
help-cert-export = 写出规范化正文、每位签名人的 .sig 文件和 allowed_signers 文件，供 ssh-keygen -Y verify 使用
help-cert-render = 可打印的证明书：PDF 和/或 HTML，中英文标注
help-demo = 在临时文件夹中对一个演示映像完整执行一次擦除（无需 root）
help-generate = 生成手册页或 shell 补全脚本
help-generate-man = 每个命令一页手册（mediasan.1、mediasan-wipe.1……），写入一个文件夹
help-generate-completions = 某个 shell 的补全脚本，输出到标准输出
help-config = 本工作站的配置：当前生效的值及其来源
help-config-show = 打印生效的配置：每个值，以及它来自命令行选项、环境变量、配置文件（含行号）还是内置默认值
help-wipe--targets = 要擦除的块设备、分区、映像或文件
help-wipe--recursive = 擦除所列目录下的每个普通文件：从不跟随符号链接
help-wipe--method = 擦除方法（mediasan methods 列出全部）；已登记载体未指定时按其密级选择
help-wipe--passes = 自定义各遍内容，例如 0x00,0xFF,random
help-wipe--blank = 最后再写一遍零
help-wipe--dry-run = 只显示将要做什么：识别、检查和估计用时，不写入任何数据
help-wipe--confirm = 确认块设备的序列号（供脚本使用）；否则在终端上输入
help-wipe--json = 以 JSON 行代替进度条和表格输出
help-wipe--verify = 写完后回读：sample（按抽样位置读最后一遍）、last（最后一遍的每个字节）、all（每一遍的每个字节）或 none；默认为配置中该载体密级的设置，否则为 sample
help-wipe--coverage = 抽样校验至少读取的比例，百分数（0.1–100）
help-wipe--result = 将结果（mediasan-result/1 格式）写入此文件；仅限一个目标
help-wipe--carrier = 该设备所对应的已登记载体：核对序列号和批准，在登记簿中记录擦除开始和结束
help-wipe--resume = 从检查点继续被中断的擦除：相同的方法、密钥和各遍；固件擦除则跟随硬盘自身的状态
help-wipe--checkpoint-dir = 检查点的存放位置（每个目标一个 0600 文件）
help-wipe--technique = 擦除方式：主机覆写（默认），或硬盘自身的命令（mediasan methods 列出；auto 选用硬盘支持的最强者）
help-wipe--expose-hidden = 擦除前（确认之后）移除硬盘的主机保护区（HPA），使每个原生扇区都被写入；此更改在硬盘断电前有效
help-wipe--cert-dir = 证明书的存放位置（签名擦除时写出：--carrier 或 --key）
help--config = 本工作站的配置文件（默认 /etc/mediasan/config.toml；mediasan config show 显示生效的值及其来源）
help--lang = 消息、提示和帮助的语言：zh（简体中文）或 en（默认按区域设置 LC_ALL、LC_MESSAGES 或 LANG；zh_CN.* 为中文）
help-wipe--path = 登记簿数据库
help-wipe--key = 您的 OpenSSH 私钥（口令在终端上询问）
