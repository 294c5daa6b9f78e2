import type { Messages } from './en.ts';

/**
 * The Simplified Chinese messages of the `cinder` command. Typed as `Messages`: a key the
 * English catalog has and this one lacks is a compile error. Command names, options, error
 * codes and the product name Cinder stay as they are.
 */
export const zhCN: Messages = {
  // 程序与帮助
  'program.description': 'Cinder：阅后即焚的即时消息',
  'option.server': '服务器地址（环境变量 CINDER_URL，默认 {{url}}）',
  'option.profile': '使用的配置（环境变量 CINDER_PROFILE，默认 {{profile}}）',
  'option.lang': '界面语言：en 或 zh-CN（环境变量 CINDER_LANG，否则跟随系统区域设置）',
  'help.footer': `
环境变量：
  CINDER_URL        服务器地址（默认 {{url}}；注册或登录时保存在配置中）
  CINDER_PROFILE    配置名称（默认 {{profile}}）
  CINDER_HOME       配置目录（默认 ~/.config/cinder）；每个配置是 <目录>/<名称>.json
  CINDER_PASSWORD   注册或登录用的密码（未设置时在终端中输入，不回显）
  CINDER_LANG       界面语言：en 或 zh-CN（未设置时依次看 LC_ALL、LC_MESSAGES、LANG；否则为 en）

退出码：
  0  成功
  1  出错，输出为“错误：<说明> (<代码>)”，代码如 BURNED、NOT_FOUND、UNAUTHORIZED
  2  用法错误（未知命令或选项、参数有误）

端到端加密：
  阅后即焚消息只为对方的设备加密。用 cinder verify <对方用户名> 查看安全码并与对方核对
  （对方运行 cinder verify <你的用户名>），一致后标记：cinder verify <对方用户名> --mark。
  对方的密钥变化时，命令会在 stderr 提示：请重新核对安全码。

示例：
  cinder register alice && cinder send bob "六点见" --burn --view 10s
  cinder inbox && cinder open <id>
  cinder send bob --file cat.jpg "看看" --burn && cinder open <id> --out cat.jpg`,
  'help.afterError': '（加上 --help 查看用法）',
  'help.option': '显示命令帮助',
  'help.command': '显示命令帮助',
  'help.title.usage': '用法：',
  'help.title.options': '选项：',
  'help.title.commands': '命令：',
  'help.title.arguments': '参数：',
  'help.title.globalOptions': '全局选项：',

  // 错误输出
  'error.line': '错误：{{message}} ({{code}})',
  'error.usage': '错误：{{message}}',
  'error.unexpected': '意外错误（设置 CINDER_DEBUG=1 查看详情）',
  'error.fromServer': '{{summary}}（{{detail}}）',
  'lang.invalid': '{{source}} 的值“{{value}}”不是 cinder 支持的语言：请用 en 或 zh-CN',

  // 错误代码的含义（错误说明来自服务器或 SDK 时使用）
  'code.BAD_REQUEST': '请求无效',
  'code.UNAUTHORIZED': '未登录或密码错误',
  'code.FORBIDDEN': '无权执行此操作',
  'code.NOT_FOUND': '未找到',
  'code.CONFLICT': '冲突',
  'code.BURNED': '消息已焚毁',
  'code.PAYLOAD_TOO_LARGE': '内容过大',
  'code.RATE_LIMITED': '请求过于频繁，请稍后再试',
  'code.KEYS_CHANGED': '对方的设备有变化',
  'code.SEALED_FOR_OTHER_DEVICES': '消息是为其他设备加密的',
  'code.DECRYPT_FAILED': '无法解密',
  'code.CANCELLED': '已取消',
  'code.TIMEOUT': '超时',
  'code.UNSUPPORTED_PROTOCOL': '此 cinder 与服务器的协议版本不同',
  'code.UNAVAILABLE': '服务器暂不可用',
  'code.DISCONNECTED': '连接已断开',
  'code.INTERNAL': '内部错误',

  // commander 自身的提示
  'commander.unknownCommand': '错误：未知命令“{{name}}”',
  'commander.unknownOption': '错误：未知选项“{{flag}}”',
  'commander.missingArgument': '错误：缺少必需的参数“{{name}}”',
  'commander.optionArgumentMissing': '错误：选项“{{flags}}”缺少参数值',
  'commander.tooManyArguments': '错误：参数过多',
  'commander.tooManyArgumentsFor': '错误：“{{command}}”的参数过多：应为 {{expected}} 个，实际为 {{got}} 个。',
  'commander.invalidOptionArgument': '错误：选项“{{flags}}”的值“{{value}}”无效。{{reason}}',
  'commander.invalidArgument': '错误：参数“{{name}}”的值“{{value}}”无效。{{reason}}',
  'commander.didYouMean': '（你是不是想输入 {{suggestion}}？）',

  // 注册与登录
  'register.description': '注册账号；此配置成为该账号的第一台设备',
  'register.username': '3–32 个字符，可用 a-z 0-9 _ . -，以字母或数字开头',
  'login.description': '以新设备登录已有账号',
  'login.username': '要登录的账号',
  'auth.registered': '已注册：{{username}}',
  'auth.loggedIn': '已登录：{{username}}',
  'auth.profileOn': '配置“{{profile}}”，服务器 {{url}}',
  'auth.alreadySignedIn':
    '配置“{{profile}}”已登录为 {{username}}：请先运行 cinder logout，或换一个 --profile',

  // 密码
  'password.prompt': '密码：',
  'password.repeat': '再次输入密码：',
  'password.none': '没有密码：请设置 CINDER_PASSWORD，或在终端中运行',
  'password.mismatch': '两次输入的密码不一致',
  'password.cancelled': '已取消',

  // 配置与会话
  'profile.badName': '配置名称：1–64 个字符，可用 A-Z a-z 0-9 _ -',
  'profile.notSignedIn':
    '配置“{{profile}}”尚未登录：请运行 cinder register <用户名> 或 cinder login <用户名>',
  'profile.what': '配置“{{profile}}”',
  'lock.busy': '{{what}}正被占用（进程 {{pid}}）',
  'server.notUrl': '不是服务器地址：“{{url}}”',
  'server.notHttp': '不是 http(s) 服务器地址：“{{url}}”',
  'server.mismatch': '配置“{{profile}}”登录在 {{saved}}，而不是 {{asked}}：请换一个 --profile',
  'server.retrying': 'cinder：暂时连不上 {{url}}，正在重试…',
  'server.unreachable': '无法连接 {{url}}',

  // 消息列表
  'kind.image': '图片',
  'kind.voice': '语音',
  'kind.video': '视频',
  'kind.file': '文件',
  'time.burnsIn': '{{duration}}后焚毁',
  'time.burning': '正在焚毁',
  'message.ownUnopened': '[阅后即焚 · 未读 · {{attachment}}{{left}}] {{text}}',
  'message.ownSealed': '[已加密 · {{attachment}}已发送 · {{left}}]',
  'message.sealed': '[已加密 · {{attachment}}{{left}} · {{open}}]',
  'message.sealedAttachment': '{{label}} · ',

  // inbox
  'inbox.description': '同步后列出消息：所有会话，或与 <peer> 的会话',
  'inbox.peer': '只看与该用户的会话',
  'inbox.limit': '每个会话最多显示最近 <count> 条消息（默认：{{count}}）',
  'inbox.json': '以 JSON 输出，而不是逐行显示',
  'inbox.limitInvalid': '必须是正整数',
  'inbox.none': '没有消息',
  'inbox.unread': '{{count}} 条未读',
  'inbox.sealed': '{{count}} 条未打开的阅后即焚',

  // send
  'send.description': '发送消息（或用 --file 发送文件），并输出消息 ID',
  'send.to': '收件人用户名',
  'send.text': '消息内容，使用 --file 时为文件说明；“-”表示从标准输入读取',
  'send.file': '发送此文件（图片、语音、视频或任意文件）；消息内容作为说明',
  'send.burn': '阅后即焚（默认 7 天未读即焚毁，查看到关闭为止）',
  'send.ttl': '未打开超过此时长即焚毁，例如 1h 或 1小时（隐含 --burn）',
  'send.view': '对方打开后可查看的时长，例如 10s 或 10秒（隐含 --burn）',
  'send.ext': '应用自定义属性，一个 JSON 对象，例如 \'{"k":1}\'',
  'send.json': '以 JSON 输出 SendResult',
  'send.missingText': '错误：缺少必需的参数“text”（或使用 --file）',
  'send.extNotJson': '错误：--ext 不是有效的 JSON',
  'send.extNotObject': '错误：--ext 必须是 JSON 对象',
  'send.cancelling': '正在取消上传…（再按一次 Ctrl-C 立即退出）',
  'send.uploadCancelled': '已取消上传 {{path}}：没有发送任何内容',
  'send.uploading': '正在上传 {{label}}  {{percent}}% · {{sent}} / {{total}}',
  'duration.invalid':
    '不是有效的时长：“{{value}}”（可写秒数，或数字加单位 s、m、h、d、w，如 90、10s、1h30m、1.5h；也可写 10秒、5分钟、1小时、7天、2周）',

  // 要发送的文件
  'file.directory': '{{path}} 是目录，不是文件',
  'file.notRegular': '{{path}} 不是普通文件',
  'file.empty': '{{path}} 是空文件：没有可发送的内容',
  'file.missing': '文件不存在：{{path}}',
  'file.denied': '无法读取 {{path}}：权限不足',
  'file.tooLarge': '{{path}} 太大，无法发送：{{size}}，而{{server}}{{sealed}}；未发送任何内容',
  'file.serverTakesLess': '服务器接受的上限更小',
  'file.serverTakesAtMost': '服务器最多接受 {{limit}}',
  'file.bytes': '{{size}}（{{bytes}} 字节）',
  'file.sealedGrows': '（阅后即焚文件加密后会稍大一些）',

  // open
  'open.description': '打开消息；阅后即焚消息打开即焚毁，只能打开一次',
  'open.id': '消息 ID，见 cinder inbox',
  'open.out': '把附件写入这个新文件（绝不覆盖已有文件）',
  'open.discardAttachment': '打开带附件的阅后即焚消息但不保存附件（附件将丢失）',
  'open.json': '以 JSON 输出 { id, text, ext, viewSeconds, attachment }（不含文件内容）',
  'open.outAndDiscard': '错误：--out 和 --discard-attachment 不能同时使用',
  'open.attachmentSaved': '[附件：{{label}} · 已保存到 {{path}}]',
  'open.attachmentBurned': '[附件：{{label}} · 未保存：已随消息焚毁]',
  'open.attachmentNotSaved': '[附件：{{label}} · 未保存：用 {{command}} --out <路径> 保存]',
  'open.attachmentOnce':
    '消息 {{id}} 是带附件（{{label}}）的阅后即焚消息，附件只能取一次：用 {{command}} --out <路径> 保存，或用 {{command}} --discard-attachment 不保存直接打开（消息尚未打开）',
  'open.noAttachment': '消息 {{id}} 没有附件：没有写入 {{path}}',
  'open.writeFailed': '无法写入 {{path}}',
  'open.writeFailedBurned': '无法写入 {{path}}；消息已焚毁，附件也随之焚毁',
  'open.burned': '已焚毁：消息 {{id}} 已被打开、已过期或已撤回',
  'open.sealedForOthers':
    '消息 {{id}} 在此设备添加之前加密：请在发送时已有的设备上打开（cinder devices 可列出设备）；消息在那里仍未打开',
  'open.decryptFailed': '消息 {{id}} 已焚毁，但此设备无法解密其内容',
  'open.noReply': '服务器没有回应：如果这是阅后即焚消息，它可能已连同内容一起焚毁',
  'view.countdown': '[{{left}}后焚毁 · 按任意键关闭]',
  'view.burned': '[已焚毁 · 内容已清除]',

  // open 写入的文件
  'saved.exists': '{{path}} 已存在：不会覆盖（消息尚未打开）',
  'saved.noDirectory': '无法创建 {{path}}：目录不存在（消息尚未打开）',
  'saved.directory': '{{path}} 是目录：请给出文件路径（消息尚未打开）',
  'saved.denied': '无法创建 {{path}}：权限不足（消息尚未打开）',

  // revoke
  'revoke.description': '撤回你发出的、尚未打开的阅后即焚消息（各处一并焚毁）',
  'revoke.id': '消息 ID，即 cinder send 输出的 ID',
  'revoke.done': '已撤回 {{id}}',

  // listen
  'listen.description': '实时输出消息、回执和焚毁事件，按 Ctrl-C 停止',
  'listen.json': '每行一个 JSON 对象：{ event, ...payload }',
  'listen.message': '消息  {{line}}',
  'listen.receipt': '回执  {{id}}  {{time}}  {{by}} {{type}}',
  'listen.burned': '焚毁  {{id}}  {{time}}  {{reason}}',
  'listen.listening': 'cinder：正在以 {{username}} 的身份接收 {{url}} 的消息（按 Ctrl-C 停止）',
  'listen.state.reconnecting': 'cinder：正在重新连接',
  'listen.state.connected': 'cinder：已连接',
  'listen.signedOut': '此设备已被退出登录',
  'listen.purgeFailed': 'cinder：暂时无法更新配置（{{code}}）',
  'receipt.delivered': '已送达',
  'receipt.read': '已读',
  'reason.opened': '已打开',
  'reason.expired': '已过期',
  'reason.revoked': '已撤回',

  // verify
  'verify.description': '显示与 <user> 会话的安全码，用来与对方核对',
  'verify.user': '对方用户名',
  'verify.mark': '与 <user> 核对一致后，把显示的安全码标记为已验证；对方密钥自此设备上次看到后有变化时拒绝',
  'verify.json':
    '以 JSON 输出 { username, safetyNumber, verified, devices: [{ id, fingerprint, createdAt }], changed }',
  'verify.changed': '{{user}} 的安全码自此设备上次查看后已变化（有设备增减，或密钥被替换）。',
  'verify.wasVerified': '你曾验证过 {{user}} 的密钥：现在已不再是已验证状态。',
  'verify.notMarkedChanged':
    '未标记：{{user}} 的安全码自此设备上次查看后已变化。请先与 {{user}} 核对上面的安全码，再运行：{{command}}',
  'verify.notMarkedRace': '未标记：标记过程中 {{user}} 的安全码发生了变化：请重新运行 {{command}}',
  'verify.title': '{{me}} 与 {{user}} 的安全码：',
  'verify.markedNow': '已验证：刚刚标记。之后可用 {{command}} 确认密钥是否仍是这些。',
  'verify.verified': '已验证：{{user}} 的密钥就是你标记为已验证的那些。',
  'verify.notVerified': '未验证。',
  'verify.noDevices': '{{user}} 没有带密钥的设备：无法给 {{user}} 发送阅后即焚消息。',
  'verify.deviceKeys': '{{user}} 的设备密钥：',
  'verify.deviceLine': '  {{id}}  密钥 {{fingerprint}}  添加于 {{added}}',
  'verify.compare': '请当面，或通过 Cinder 以外你信任的渠道（如打电话）与 {{user}} 核对安全码：',
  'verify.theySee': '{{user}} 运行 cinder verify {{me}} 会看到同样的安全码',
  'verify.ifMatch': '如果一致：{{command}}',
  'safety.changed': '{{user}} 的安全码已变化（有设备增减，或密钥被替换）。请用此命令核对：{{command}}',

  // devices
  'devices.description': '列出此账号已登录的设备（* 为本设备）及其密钥指纹',
  'devices.json': '以 JSON 输出；每台设备带密钥指纹（null 表示没有密钥）',
  'devices.line': '{{mark}} {{id}}  {{name}}  {{key}}  添加于 {{added}}  {{seen}}',
  'devices.key': '密钥 {{fingerprint}}',
  'devices.noKey': '没有密钥',
  'devices.seen': '最近在线 {{time}}',
  'devices.neverSeen': '从未在线',

  // whoami
  'whoami.description': '输出此配置登录的用户名（无需联网）',
  'whoami.json': '以 JSON 输出 { username, deviceId, deviceName, server, profile }',

  // logout
  'logout.description': '退出此设备的登录并删除配置',
  'logout.force': '即使配置已损坏或未登录也删除',
  'logout.done': '已退出登录；配置“{{profile}}”已删除',
  'logout.notSignedIn': '此配置尚未登录',
  'logout.serverNotTold':
    '已在本机退出登录，但未能通知服务器（{{reason}}）：在其他设备上移除之前，此设备在服务器上仍处于登录状态',

  // serve
  'serve.description': '运行 Cinder 服务器（参数和环境变量与 npm start 相同；需要 @cinder/server）',
  'serve.usage': '[服务器参数]   （cinder serve --help 列出全部参数）',
  'serve.usageLine': '用法：cinder serve [服务器参数]',
  'serve.badFlags': '错误：{{reason}}',
  'serve.needsServer': '错误：cinder serve 需要服务器包：npm install @cinder/server',
  'serve.didNotStart': '服务器未能启动：{{reason}}',
  'serve.serving': 'cinder：正在提供服务 {{url}}（按 Ctrl-C 停止）',
  'serve.shuttingDown': 'cinder：正在关闭',
};
