# The seeds' example (/work/shared/seeds/001_ab2db9314eb7c747.txt): a PyTorch
# training loop run unchanged by chainrule. Only the imports differ, plus a
# seed and a print of each step's loss. The comments are the original's
# (Chinese: "define the network", "define the loss and optimizer", "train").
#
# The loop draws fresh random inputs and targets at every step, so the printed
# loss is mostly noise; tests/test_examples.py trains this same network on one
# fixed batch and checks that the loss falls.
#
# Run: python examples/seed_training_loop.py
import chainrule as torch
import chainrule.nn as nn
import chainrule.optim as optim

torch.manual_seed(0)


# 定义神经网络
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()  # noqa: UP008 - the original's spelling
        self.fc1 = nn.Linear(10, 5)
        self.fc2 = nn.Linear(5, 1)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return x


# 定义损失函数和优化器
net = Net()
criterion = nn.MSELoss()
optimizer = optim.SGD(net.parameters(), lr=0.01)

# 训练神经网络
for epoch in range(100):
    optimizer.zero_grad()
    output = net(torch.randn(1, 10))
    loss = criterion(output, torch.randn(1, 1))
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch:3d}  loss {loss.item():.4f}")
