"""The course notebook's code, copied from its cells, as the baseline the trainer is measured against.

Only three things differ from the notebook: the cells are wrapped in functions,
the global seed call uses the seed passed in, and nothing is printed. The class
body is the notebook's, line for line, so its speed is the notebook's speed.
"""

import numpy as np


def initialize(input_dim, hidden_dim, output_dim, batchsize):
    W1 = np.random.randn(hidden_dim, input_dim) * 0.01
    b1 = np.zeros((hidden_dim,))
    W2 = np.random.randn(hidden_dim, hidden_dim) * 0.01
    b2 = np.zeros((hidden_dim,))
    W3 = np.random.randn(output_dim, hidden_dim) * 0.01
    b3 = np.zeros((output_dim,))
    # list of all network parameters
    parameters = [W1, b1, W2, b2, W3, b3 ]
    # minibatch of input instances
    x = np.random.rand(input_dim, batchsize)
    # ground truths
    y = np.random.randn(output_dim, batchsize)
    return parameters, x, y


class NN:
    def __init__(self):
        # optimizable weights and bias
        self.W1 = []
        self.b1 = []
        self.W2 = []
        self.b2 = []
        self.W3 = []
        self.b3 = []

    # Functions:
    def sigmoid(self, x):
        return 1 / (1+np.exp(-x))
    def sigmoidDeriv(self, x):
        return self.sigmoid(x) * (1 - self.sigmoid(x))

    def setParameters(self, param):
        self.W1 = param[0]
        self.b1 = param[1]
        self.W2 = param[2]
        self.b2 = param[3]
        self.W3 = param[4]
        self.b3 = param[5]

    def loss(self, pred, y):
        # squared loss function
        M = y.shape[1]
        return (1. / M) * np.sum( np.sum(.5 * (pred - y)**2, axis = 0))

    def dloss(self, pred,y):
        # derivative of the squared loss function
        M = y.shape[1]
        return(pred - y) / M

    def layerExec(self, input, weight, bias, act):
        # forward pass execution of neuron layer
        output = np.dot(weight, input) + bias[:,None]
        #run sigmoid when needed
        if act:
            outputAct = self.sigmoid(output)
        else:
            outputAct = output
        return output, outputAct

    def forwardPass(self, input, target):
        # forward pass of through all layers of the NN
        self.layer1BefAct, self.layer1 = self.layerExec(input, self.W1, self.b1, True)
        self.layer2BefAct, self.layer2 = self.layerExec(self.layer1, self.W2, self.b2, True)
        self.layer3BefAct, self.layer3 = self.layerExec(self.layer2, self.W3, self.b3, False)
        return self.loss(self.layer3, target)

    def backwardPass(self, input, target, printResults):
        # backwards pass through all layers of the NN
        self.L3OutputGrad = self.dloss(self.layer3, target)
        self.L2OutputGrad = np.dot(self.W3.T, self.L3OutputGrad)
        self.L2WeightedGrad = self.L2OutputGrad * self.sigmoidDeriv(self.layer2BefAct)
        self.L1OutputGrad = np.dot(self.W2.T, self.L2WeightedGrad)
        self.L1WeightedGrad = self.L1OutputGrad * self.sigmoidDeriv(self.layer1BefAct)

        # calculation of gradients of weights and bias after backwards pass
        w3_gradient = np.dot(self.L3OutputGrad, self.layer2.T)
        b3_gradient = np.sum(self.L3OutputGrad, axis = 1)
        w2_gradient = np.dot(self.L2WeightedGrad, self.layer1.T)
        b2_gradient = np.sum(self.L2WeightedGrad, axis = 1)
        w1_gradient = np.dot(self.L1WeightedGrad, input.T)
        b1_gradient = np.sum(self.L1WeightedGrad, axis = 1)
        gradients = [w1_gradient, b1_gradient,
                     w2_gradient, b2_gradient,
                     w3_gradient, b3_gradient]
        return gradients


def setup(seed=12345, input_dim=3, hidden_dim=4, output_dim=2, batchsize=5):
    """Cells 8-10: seed, initialise, first forward and backward pass."""
    np.random.seed(seed)
    parameters, x, y = initialize(input_dim, hidden_dim, output_dim, batchsize)
    myNN = NN()
    myNN.setParameters(parameters)
    loss = myNN.forwardPass(x, y)
    gradients = myNN.backwardPass(x, y, False)
    return myNN, parameters, gradients, x, y, loss


def train(myNN, parameters, gradients, x, y, stepsize=0.1, epochs=100000):
    """Cell 13's loop (without its prints); returns the final loss."""
    loss = None
    for i in range(epochs):
        j = 0
        for n in parameters:
            parameters[j] = parameters[j] - (gradients[j] * stepsize)
            j += 1
        myNN.setParameters(parameters)
        loss = myNN.forwardPass(x,y)
        gradients = myNN.backwardPass(x, y, False)
        i += 1
    return loss, parameters, gradients
