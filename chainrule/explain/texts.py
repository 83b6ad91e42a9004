"""The walkthrough's sentences in English and Chinese (our first users' language).

Keys are shared; values are ``str.format`` templates. The math lines
themselves are built from symbols and numbers in walkthrough.py and read the
same in both languages.

>>> TEXTS["en"]["sec_forward"]
'2. Forward propagation'
>>> TEXTS["zh"]["sec_forward"]
'2. 前向传播'
>>> sorted(TEXTS["en"]) == sorted(TEXTS["zh"])
True
"""

_EN = {
    "title": "Forward and backward propagation, in numbers",
    "difference": "max difference",
    "intro": (
        "A two-layer network, as in the NumPy example: {n_x} inputs, {n_h} hidden units, 1 output, and a "
        "batch of {m} samples; each column of X is one sample. The numbers are drawn with seed {seed} and "
        "rounded to one decimal. Everything is computed in float64 and shown with 4 significant digits; "
        "indices count from 0, as in Python. Every value and gradient computed by hand below is checked "
        "against chainrule's autograd (✓ and the largest difference)."
    ),
    "options": "Activation: {activation}. Loss: {loss}. Optimizer: {optimizer}, learning rate η = {lr}.",
    "sec_network": "1. The network and its numbers",
    "network_shapes": (
        "Shapes: X is {n_x}×{m} (inputs × samples), W1 is {n_h}×{n_x}, b1 is {n_h}×1, W2 is 1×{n_h}, b2 is "
        "1×1, and the targets t are 1×{m}."
    ),
    "sec_forward": "2. Forward propagation",
    "forward_intro": (
        "Forward propagation computes the prediction layer by layer, from the input to the output: each "
        "layer takes a weighted sum of its inputs plus a bias (the linear part) and applies the activation "
        "function."
    ),
    "z1_intro": (
        "Hidden layer, linear part: z1 = W1·X + b1, that is z1[j,i] = Σ_k W1[j,k]·X[k,i] + b1[j] for hidden "
        "unit j and sample i. The bias b1 has one value per hidden unit and is added to every sample (every "
        "column): it is broadcast over the batch."
    ),
    "a1_intro": "Hidden layer, activation: a1 = {act}(z1), entry by entry, with {formula}.",
    "z2_intro": "Output layer, linear part: z2 = W2·a1 + b2; b2 is broadcast over the batch as well.",
    "y_intro": "Output layer, activation: y = {act}(z2). This is the prediction.",
    "y_intro_ce": (
        "Output layer, activation: y = σ(z2). Cross-entropy compares probabilities, so the output activation "
        "is the sigmoid whatever the hidden activation. This is the prediction."
    ),
    "forward_check": "the forward values z1, a1, z2 and y equal chainrule's",
    "sec_loss": "3. The loss",
    "loss_l2": (
        "The L2 loss (squared error): each sample contributes ℓ = ½(y − t)², and the loss L is the mean over "
        "the {m} samples. Large errors count much more than small ones."
    ),
    "loss_l1": (
        "The L1 loss (absolute error): each sample contributes ℓ = |y − t|, and the loss L is the mean over "
        "the {m} samples. Its slope is ±1 whatever the size of the error."
    ),
    "loss_smooth_l1": (
        "The Smooth L1 loss (β = 1): ℓ = ½(y − t)² when |y − t| < 1, otherwise |y − t| − ½; the loss L is "
        "the mean over the {m} samples. Near 0 it is the L2 loss, far away the L1 loss, so outliers pull "
        "less."
    ),
    "loss_cross_entropy": (
        "Binary cross-entropy: ℓ = −[t·ln y + (1 − t)·ln(1 − y)] for a probability y and a label t ∈ "
        "{{0, 1}}; the loss L is the mean over the {m} samples. A confident wrong prediction costs a lot."
    ),
    "loss_check": "L equals chainrule.nn.functional.{function}'s",
    "sec_backward": "4. Backward propagation: the chain rule, node by node",
    "backward_intro": (
        "Backward propagation starts at the loss and applies the chain rule from right to left. Each node "
        "receives ∂L/∂(its output), multiplies it by its local derivative ∂(output)/∂(input), and passes the "
        "product on to its input. Where one value was used several times (a weight by every sample, a bias "
        "broadcast over the batch) the contributions are added."
    ),
    "step_dy": "4.1 The start: ∂L/∂y",
    "dy_l2": (
        "ℓ = ½(y − t)² has derivative y − t, and the mean divides by m = {m}: ∂L/∂y[i] = (y[i] − t[i]) / m."
    ),
    "dy_l1": (
        "ℓ = |y − t| has derivative sign(y − t), and the mean divides by m = {m}: ∂L/∂y[i] = sign(y[i] − "
        "t[i]) / m."
    ),
    "dy_smooth_l1": (
        "The Smooth L1 loss has derivative y − t where |y − t| < 1 and sign(y − t) elsewhere; the mean "
        "divides by m = {m}."
    ),
    "dy_cross_entropy": (
        "Cross-entropy has derivative ∂ℓ/∂y = −t/y + (1 − t)/(1 − y) = (y − t) / (y·(1 − y)); the mean "
        "divides by m = {m}."
    ),
    "autograd_check": "{name} equals autograd's",
    "step_dz2": "4.2 Through the output activation: ∂L/∂z2 = ∂L/∂y · ∂y/∂z2",
    "local_derivative": "The local derivative of y = {act}(z2) is {derivative}:",
    "chain_multiply": "The chain rule multiplies what arrived by the local derivative:",
    "ce_note": (
        "With the sigmoid and cross-entropy the two factors cancel to a simple result: ∂L/∂z2[i] = (y[i] − "
        "t[i]) / m."
    ),
    "relu_note": (
        "A ReLU whose input is ≤ 0 has local derivative 0: no gradient passes back through it for that "
        "sample."
    ),
    "step_layer2": "4.3 Through the output layer z2 = W2·a1 + b2",
    "layer_local": (
        "Its local derivatives: ∂z2[i]/∂W2[0,j] = a1[j,i], ∂z2[i]/∂b2 = 1 and ∂z2[i]/∂a1[j,i] = W2[0,j]."
    ),
    "sum_weight": "{w} is used by every sample, so its gradient adds the samples' contributions:",
    "sum_bias": (
        "{b} was broadcast to every sample in forward propagation, so backward propagation sums its gradient "
        "over the batch:"
    ),
    "pass_back": "The gradient passed on to the hidden layer's output, ∂L/∂a1[j,i] = W2[0,j] · ∂L/∂z2[i]:",
    "step_dz1": "4.4 Through the hidden activation: ∂L/∂z1 = ∂L/∂a1 · ∂a1/∂z1",
    "local_derivative_hidden": "The local derivative of a1 = {act}(z1) is {derivative}:",
    "step_layer1": "4.5 Through the hidden layer z1 = W1·X + b1",
    "layer1_local": "Its local derivatives: ∂z1[j,i]/∂W1[j,k] = X[k,i] and ∂z1[j,i]/∂b1[j] = 1.",
    "step_chain": "4.6 The chain rule for one weight, written out",
    "chain_text": (
        "All the steps together for W1[0,0]: along the path of each sample, multiply the local derivatives "
        "(∂L/∂y · ∂y/∂z2 · ∂z2/∂a1 · ∂a1/∂z1 · ∂z1/∂W1), then add the samples:"
    ),
    "sec_update": "5. Updating the parameters: {optimizer}",
    "sgd_intro": (
        "Gradient descent moves every parameter a small step against its gradient, the direction in which "
        "the loss decreases fastest: w ← w − η·∂L/∂w, with learning rate η = {lr}."
    ),
    "momentum_intro": (
        "SGD with momentum (μ = {momentum}) keeps a velocity v per parameter, a running sum of past "
        "gradients: v ← μ·v + g, where g = ∂L/∂w (on the first step v is simply g), then w ← w − η·v with η "
        "= {lr}. Steps grow along directions in which the gradient keeps pointing."
    ),
    "rmsprop_intro": (
        "RMSprop keeps s, a running average of the squared gradient: s ← α·s + (1 − α)·g² (α = {alpha}, s "
        "starts at 0), then w ← w − η·g / (√s + ε) with η = {lr} and ε = {eps}. Each parameter's step is "
        "divided by the typical size of its own gradient."
    ),
    "adam_intro": (
        "Adam keeps two running averages per parameter, m of the gradient (momentum) and v of its square: m "
        "← β1·m + (1 − β1)·g and v ← β2·v + (1 − β2)·g² (β1 = {beta1}, β2 = {beta2}; both start at 0). "
        "Starting at 0 makes them too small at first, so the bias correction divides by 1 − β^t, where t is "
        "the step number: m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t). Then w ← w − η·m̂ / (√v̂ + ε) with η = "
        "{lr} and ε = {eps}."
    ),
    "step_heading": "Step {t}",
    "recompute": (
        "Forward and backward propagation again with the updated parameters (the same computations as above) "
        "give L = {loss} and these gradients:"
    ),
    "bias_correction": "Bias correction at step t = {t}: 1 − β1^t = {c1}, 1 − β2^t = {c2}.",
    "optimizer_check": "the new parameters equal chainrule.optim.{name}'s step",
    "loss_change": "The loss before the update: {before}; after: {after} ({change}).",
    "loss_down": "down by {amount}",
    "loss_up": "up by {amount}: the step was too large",
    "loss_same": "unchanged",
    "sec_summary": "6. Summary",
    "summary": (
        "Forward propagation computed the prediction y and the loss L. Backward propagation started from "
        "∂L/∂y and went node by node from the output to the input, multiplying by each node's local "
        "derivative (the chain rule) and adding up where a value was shared by several samples. The gradient "
        "∂L/∂w says how fast the loss changes when w changes; {optimizer} moved every parameter against it, "
        "and the loss went from {before} to {after}."
    ),
    "all_checks": "{passed} of {total} checks against chainrule's autograd and optimizer passed.",
    "activation_sigmoid": "sigmoid σ(z) = 1 / (1 + e^(−z))",
    "activation_tanh": "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
    "activation_relu": "ReLU relu(z) = max(0, z)",
    "derivative_sigmoid": "σ'(z) = σ(z)·(1 − σ(z))",
    "derivative_tanh": "tanh'(z) = 1 − tanh²(z)",
    "derivative_relu": "relu'(z) = 1 if z > 0, otherwise 0",
    "name_l1": "L1 (absolute error)",
    "name_l2": "L2 (squared error, ½(y − t)²)",
    "name_smooth_l1": "Smooth L1 (β = 1)",
    "name_cross_entropy": "binary cross-entropy",
    "name_sgd": "gradient descent (SGD)",
    "name_momentum": "SGD with momentum",
    "name_rmsprop": "RMSprop",
    "name_adam": "Adam",
    "sample": "sample",
}

_ZH = {
    "title": "前向传播与反向传播:把每个数都算出来",
    "difference": "最大差值",
    "intro": (
        "这是与 NumPy 两层网络示例相同的网络:{n_x} 个输入、{n_h} 个隐藏单元、1 个输出,一批 {m} 个样本;X 的每"
        "一列是一个样本。数字由随机种子 {seed} 生成,并保留一位小数。所有计算都用 float64 完成,显示时保留 4 位"
        "有效数字;下标从 0 开始,与 Python 相同。下面手算的每一个值和梯度都与 chainrule 的自动求导结果比较(✓ "
        "后面是最大差值)。"
    ),
    "options": "激活函数:{activation}。损失函数:{loss}。优化器:{optimizer},学习率 η = {lr}。",
    "sec_network": "1. 网络和它的数字",
    "network_shapes": (
        "形状:X 是 {n_x}×{m}(输入 × 样本),W1 是 {n_h}×{n_x},b1 是 {n_h}×1,W2 是 1×{n_h},b2 是 1×1,目标值 t 是"
        " 1×{m}。"
    ),
    "sec_forward": "2. 前向传播",
    "forward_intro": (
        "前向传播从输入到输出逐层计算预测值:每一层先对输入做加权求和再加上偏置(线性部分),然后经过激活函数做非"
        "线性变换。"
    ),
    "z1_intro": (
        "隐藏层的线性部分:z1 = W1·X + b1,即对隐藏单元 j 和样本 i,z1[j,i] = Σ_k W1[j,k]·X[k,i] + b1[j]。偏置 "
        "b1 每个隐藏单元只有一个值,却加到了每个样本(每一列)上:它在这一批样本上做了广播。"
    ),
    "a1_intro": "隐藏层的激活:a1 = {act}(z1),逐元素计算,其中 {formula}。",
    "z2_intro": "输出层的线性部分:z2 = W2·a1 + b2;b2 同样在这一批样本上广播。",
    "y_intro": "输出层的激活:y = {act}(z2),这就是预测值。",
    "y_intro_ce": (
        "输出层的激活:y = σ(z2)。交叉熵比较的是概率,所以无论隐藏层用什么激活函数,输出层都用 sigmoid。这就是预"
        "测值。"
    ),
    "forward_check": "前向传播的 z1、a1、z2 和 y 与 chainrule 的计算结果一致",
    "sec_loss": "3. 损失",
    "loss_l2": (
        "L2 损失(平方误差):每个样本贡献 ℓ = ½(y − t)²,损失 L 是 {m} 个样本的平均值。误差大的样本比误差小的样"
        "本重要得多。"
    ),
    "loss_l1": (
        "L1 损失(绝对误差):每个样本贡献 ℓ = |y − t|,损失 L 是 {m} 个样本的平均值。无论误差大小,它的斜率都是 "
        "±1。"
    ),
    "loss_smooth_l1": (
        "Smooth L1 损失(β = 1):当 |y − t| < 1 时 ℓ = ½(y − t)²,否则 ℓ = |y − t| − ½;损失 L 是 {m} 个样本的平"
        "均值。在 0 附近它就是 L2 损失,远处则是 L1 损失,所以异常值的影响更小。"
    ),
    "loss_cross_entropy": (
        "二元交叉熵:对概率 y 和标签 t ∈ {{0, 1}},ℓ = −[t·ln y + (1 − t)·ln(1 − y)];损失 L 是 {m} 个样本的平均"
        "值。越是自信的错误预测,代价越大。"
    ),
    "loss_check": "L 与 chainrule.nn.functional.{function} 的结果一致",
    "sec_backward": "4. 反向传播:逐个节点应用链式法则",
    "backward_intro": (
        "反向传播从损失出发,从右到左应用链式法则。每个节点收到 ∂L/∂(它的输出),乘以它的局部导数 ∂(输出)/∂(输入"
        "),再把乘积传给它的输入。如果一个值被使用了多次(权重被每个样本使用,偏置在一批样本上广播),各处传回的梯"
        "度要相加。"
    ),
    "step_dy": "4.1 起点:∂L/∂y",
    "dy_l2": "ℓ = ½(y − t)² 的导数是 y − t,取平均要再除以 m = {m}:∂L/∂y[i] = (y[i] − t[i]) / m。",
    "dy_l1": "ℓ = |y − t| 的导数是 sign(y − t),取平均要再除以 m = {m}:∂L/∂y[i] = sign(y[i] − t[i]) / m。",
    "dy_smooth_l1": (
        "Smooth L1 损失的导数在 |y − t| < 1 时是 y − t,否则是 sign(y − t);取平均要再除以 m = {m}。"
    ),
    "dy_cross_entropy": (
        "交叉熵的导数是 ∂ℓ/∂y = −t/y + (1 − t)/(1 − y) = (y − t) / (y·(1 − y));取平均要再除以 m = {m}。"
    ),
    "autograd_check": "{name} 与自动求导的结果一致",
    "step_dz2": "4.2 经过输出层的激活函数:∂L/∂z2 = ∂L/∂y · ∂y/∂z2",
    "local_derivative": "y = {act}(z2) 的局部导数是 {derivative}:",
    "chain_multiply": "链式法则:把传过来的梯度乘以局部导数:",
    "ce_note": "sigmoid 与交叉熵搭配时两个因子相消,结果非常简单:∂L/∂z2[i] = (y[i] − t[i]) / m。",
    "relu_note": "输入 ≤ 0 的 ReLU 局部导数为 0:对这个样本,没有梯度能从它传回去。",
    "step_layer2": "4.3 经过输出层 z2 = W2·a1 + b2",
    "layer_local": "它的局部导数:∂z2[i]/∂W2[0,j] = a1[j,i],∂z2[i]/∂b2 = 1,∂z2[i]/∂a1[j,i] = W2[0,j]。",
    "sum_weight": "{w} 被每个样本使用,所以它的梯度是各个样本贡献之和:",
    "sum_bias": "{b} 在前向传播中被广播到了每个样本上,所以反向传播时要把它的梯度在这一批样本上求和:",
    "pass_back": "传给隐藏层输出的梯度,∂L/∂a1[j,i] = W2[0,j] · ∂L/∂z2[i]:",
    "step_dz1": "4.4 经过隐藏层的激活函数:∂L/∂z1 = ∂L/∂a1 · ∂a1/∂z1",
    "local_derivative_hidden": "a1 = {act}(z1) 的局部导数是 {derivative}:",
    "step_layer1": "4.5 经过隐藏层 z1 = W1·X + b1",
    "layer1_local": "它的局部导数:∂z1[j,i]/∂W1[j,k] = X[k,i],∂z1[j,i]/∂b1[j] = 1。",
    "step_chain": "4.6 把一个权重的链式法则完整写出来",
    "chain_text": (
        "把所有步骤合在一起,以 W1[0,0] 为例:沿着每个样本的路径,把局部导数相乘(∂L/∂y · ∂y/∂z2 · ∂z2/∂a1 · "
        "∂a1/∂z1 · ∂z1/∂W1),再把各个样本的结果相加:"
    ),
    "sec_update": "5. 更新参数:{optimizer}",
    "sgd_intro": (
        "梯度下降让每个参数沿着梯度的反方向(损失下降最快的方向)走一小步:w ← w − η·∂L/∂w,学习率 η = {lr}。"
    ),
    "momentum_intro": (
        "带动量的 SGD(μ = {momentum})为每个参数保存一个速度 v,即过去梯度的累积:v ← μ·v + g,其中 g = ∂L/∂w(第"
        "一步时 v 就是 g),然后 w ← w − η·v,η = {lr}。梯度持续指向的方向上,步子会越走越大。"
    ),
    "rmsprop_intro": (
        "RMSprop 保存梯度平方的滑动平均 s:s ← α·s + (1 − α)·g²(α = {alpha},s 从 0 开始),然后 w ← w − η·g / "
        "(√s + ε),η = {lr},ε = {eps}。每个参数的步长都除以它自己梯度的典型大小。"
    ),
    "adam_intro": (
        "Adam 为每个参数保存两个滑动平均:梯度的 m(动量)和梯度平方的 v:m ← β1·m + (1 − β1)·g,v ← β2·v + (1 − "
        "β2)·g²(β1 = {beta1},β2 = {beta2},都从 0 开始)。因为从 0 开始,它们一开始偏小,所以偏差修正要除以 1 − "
        "β^t(t 是第几步):m̂ = m / (1 − β1^t),v̂ = v / (1 − β2^t)。然后 w ← w − η·m̂ / (√v̂ + ε),η = {lr},ε = "
        "{eps}。"
    ),
    "step_heading": "第 {t} 步",
    "recompute": "用更新后的参数再做一次前向和反向传播(计算方法与上面相同),得到 L = {loss},梯度如下:",
    "bias_correction": "第 t = {t} 步的偏差修正:1 − β1^t = {c1},1 − β2^t = {c2}。",
    "optimizer_check": "新参数与 chainrule.optim.{name} 一步更新的结果一致",
    "loss_change": "更新前的损失:{before};更新后:{after}({change})。",
    "loss_down": "下降了 {amount}",
    "loss_up": "上升了 {amount}:步子太大了",
    "loss_same": "没有变化",
    "sec_summary": "6. 小结",
    "summary": (
        "前向传播算出了预测值 y 和损失 L。反向传播从 ∂L/∂y 出发,从输出到输入逐个节点地乘以局部导数(链式法则),"
        "在一个值被多个样本共用的地方把梯度相加。梯度 ∂L/∂w 表示 w 变化时损失变化得有多快;{optimizer} 让每个"
        "参数沿梯度的反方向移动,损失从 {before} 变成了 {after}。"
    ),
    "all_checks": "与 chainrule 自动求导和优化器的 {total} 项比较中,{passed} 项通过。",
    "activation_sigmoid": "sigmoid σ(z) = 1 / (1 + e^(−z))",
    "activation_tanh": "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
    "activation_relu": "ReLU relu(z) = max(0, z)",
    "derivative_sigmoid": "σ'(z) = σ(z)·(1 − σ(z))",
    "derivative_tanh": "tanh'(z) = 1 − tanh²(z)",
    "derivative_relu": "z > 0 时 relu'(z) = 1,否则为 0",
    "name_l1": "L1(绝对误差)",
    "name_l2": "L2(平方误差,½(y − t)²)",
    "name_smooth_l1": "Smooth L1(β = 1)",
    "name_cross_entropy": "二元交叉熵",
    "name_sgd": "梯度下降(SGD)",
    "name_momentum": "带动量的 SGD",
    "name_rmsprop": "RMSprop",
    "name_adam": "Adam",
    "sample": "样本",
}

TEXTS = {"en": _EN, "zh": _ZH}
