//! Optimizer updates against numbers computed independently.
//!
//! Problem: one identity neuron without bias, w = (0.3, −0.2), x = (1, 2), t = 0.5,
//! E = ½ (w·x − t)², so ∂E/∂w = (w·x − t) x; two steps, η = 0.1. Reference values from this
//! plain-Python transcription of PyTorch's update rules (torch.optim SGD, SGD(momentum=0.9),
//! SGD(momentum=0.9, nesterov=True), Adam()):
//!
//! ```python
//! def run(kind, lr, steps=2, mu=0.9, l2=0.0):
//!     w=[0.3,-0.2]; v=[0,0]; m=[0,0]; s=[0,0]
//!     for k in range(1,steps+1):
//!         z=w[0]*1+w[1]*2; g=[(z-0.5)*1+l2*w[0], (z-0.5)*2+l2*w[1]]
//!         for i in range(2):
//!             if kind=='sgd': w[i]-=lr*g[i]
//!             elif kind in('momentum','nesterov'):
//!                 v[i]=mu*v[i]+g[i]
//!                 w[i]-= lr*(g[i]+mu*v[i]) if kind=='nesterov' else lr*v[i]
//!             else:
//!                 m[i]=0.9*m[i]+0.1*g[i]; s[i]=0.999*s[i]+0.001*g[i]*g[i]
//!                 mh=m[i]/(1-0.9**k); sh=s[i]/(1-0.999**k)
//!                 w[i]-=lr*mh/(math.sqrt(sh)+1e-8)
//!     return w
//! ```
//! Momentum by hand: g₁ = (−0.6, −1.2), w₁ = (0.36, −0.08); g₂ = (−0.3, −0.6),
//! v₂ = 0.9 g₁ + g₂ = (−0.84, −1.68), w₂ = (0.444, 0.088).

use approx::assert_relative_eq;
use mlp_core::{Activation, Dense, Loss, Network};
use mlp_train::{train, Freeze, Optimizer, OptimizerState, ParamKind, TrainConfig};
use nalgebra::DMatrix;

fn two_steps(optimizer: Optimizer, l2: f64) -> [f64; 2] {
    let mut network = Network::new(
        vec![Dense::new(DMatrix::from_row_slice(1, 2, &[0.3, -0.2]), None, Activation::Identity)],
        Loss::HalfSumSquared,
    )
    .unwrap();
    let inputs = DMatrix::from_column_slice(2, 1, &[1.0, 2.0]);
    let targets = DMatrix::from_element(1, 1, 0.5);
    let mut state = OptimizerState::new(optimizer, &network);
    for _ in 0..2 {
        let (_, gradients, _) = network.backpropagate(&inputs, &targets).unwrap();
        state.step(&mut network, &gradients, 0.1, l2);
    }
    let weights = network.layers()[0].weights();
    [weights[(0, 0)], weights[(0, 1)]]
}

#[test]
fn sgd() {
    let [w1, w2] = two_steps(Optimizer::Sgd, 0.0);
    assert_relative_eq!(w1, 0.39, epsilon = 1e-12);
    assert_relative_eq!(w2, -0.01999999999999999, epsilon = 1e-12);
}

#[test]
fn sgd_with_l2_decay() {
    let [w1, w2] = two_steps(Optimizer::Sgd, 0.01);
    assert_relative_eq!(w1, 0.3893303, epsilon = 1e-12);
    assert_relative_eq!(w2, -0.019740199999999992, epsilon = 1e-12);
}

#[test]
fn momentum() {
    let [w1, w2] = two_steps(Optimizer::MOMENTUM, 0.0);
    assert_relative_eq!(w1, 0.444, epsilon = 1e-12);
    assert_relative_eq!(w2, 0.08800000000000005, epsilon = 1e-12);
}

#[test]
fn nesterov() {
    let [w1, w2] = two_steps(Optimizer::NESTEROV, 0.0);
    assert_relative_eq!(w1, 0.46830000000000005, epsilon = 1e-12);
    assert_relative_eq!(w2, 0.13660000000000005, epsilon = 1e-12);
}

#[test]
fn adam() {
    let [w1, w2] = two_steps(Optimizer::ADAM, 0.0);
    assert_relative_eq!(w1, 0.49321796041156724, epsilon = 1e-12);
    assert_relative_eq!(w2, -0.0067820377723483705, epsilon = 1e-12);
}

/// The 2-3-2 network of tests/reference/training.py ("optimizers"): tanh hidden layer with
/// biases, identity output with biases, MSE; and its batch of 4 samples (columns).
fn reference_network_and_data() -> (Network, mlp_train::Dataset) {
    let network = Network::new(
        vec![
            Dense::new(
                DMatrix::from_row_slice(3, 2, &[0.4, -0.3, 0.25, 0.9, -0.6, 0.15]),
                Some(nalgebra::dvector![0.1, -0.2, 0.05]),
                Activation::Tanh,
            ),
            Dense::new(
                DMatrix::from_row_slice(2, 3, &[0.7, -0.45, 0.3, -0.35, 0.6, 0.8]),
                Some(nalgebra::dvector![0.2, -0.1]),
                Activation::Identity,
            ),
        ],
        Loss::MeanSquared,
    )
    .unwrap();
    let inputs =
        DMatrix::from_row_slice(4, 2, &[0.5, -1.0, 1.5, 0.25, -0.75, 0.8, 0.1, 2.0]).transpose();
    let targets =
        DMatrix::from_row_slice(4, 2, &[0.3, -0.2, 0.9, 0.4, -0.5, 0.7, 0.05, -1.3]).transpose();
    (network, mlp_train::Dataset::numbered(inputs, targets).unwrap())
}

/// Torch's parameters after 12 steps: W1 (row-major), b1, W2 (row-major), b2.
struct Expected {
    w1: [f64; 6],
    b1: [f64; 3],
    w2: [f64; 6],
    b2: [f64; 2],
}

/// Trains the reference network for 12 whole-batch steps (12 epochs of one batch, in order)
/// under `optimizer` with L2 0.01 and compares every parameter with torch's to a relative
/// 1e-12; returns the history's losses.
fn twelve_steps(optimizer: Optimizer, rate: f64, freeze: Freeze, expected: &Expected) -> Vec<f64> {
    let (mut network, data) = reference_network_and_data();
    let config = TrainConfig {
        epochs: 12,
        batch_size: 4,
        optimizer,
        learning_rate: rate,
        l2: 0.01,
        shuffle: false,
        threads: 1,
        freeze,
        ..TrainConfig::default()
    };
    let report = train(&mut network, &data, None, &config).unwrap();
    let close = |found: &[f64], expected: &[f64], what: &str| {
        assert_eq!(found.len(), expected.len());
        for (index, (&found, &expected)) in found.iter().zip(expected).enumerate() {
            let scale = found.abs().max(expected.abs());
            assert!(
                (found - expected).abs() <= 1e-12 * scale,
                "{optimizer:?} {what}[{index}]: {found:?}, torch {expected:?}"
            );
        }
    };
    let layers = network.layers();
    let row_major = |layer: usize| -> Vec<f64> {
        layers[layer].weights().transpose().iter().copied().collect()
    };
    close(&row_major(0), &expected.w1, "W1");
    close(layers[0].bias().unwrap().as_slice(), &expected.b1, "b1");
    close(&row_major(1), &expected.w2, "W2");
    close(layers[1].bias().unwrap().as_slice(), &expected.b2, "b2");
    report.history.iter().map(|record| record.loss).collect()
}

/// 12 steps against a torch float64 trajectory (tests/reference/training.py, "optimizers"):
/// biases trained, L2 0.01 on the weights only (torch: the biases in a group with
/// weight_decay 0). Decaying the biases, or dropping MSE's 1/K, moves every number here.
#[test]
fn every_optimizer_follows_torchs_trajectory_with_biases_and_l2() {
    let cases = [
        (
            Optimizer::Sgd,
            0.1,
            Expected {
                w1: [
                    0.4959918856751535,
                    0.00571382080263282,
                    0.273786864547457,
                    0.8546876187557072,
                    -0.43416638953473247,
                    -0.3240577226971603,
                ],
                b1: [0.08166117061543839, -0.06460828090261955, 0.020631385992174674],
                w2: [
                    0.7672549384163172,
                    -0.25500182895956613,
                    0.15558977570757312,
                    -0.11507772777152406,
                    0.28707254650864406,
                    0.7141321326367936,
                ],
                b2: [0.1882993813312594, -0.044875783615974815],
            },
        ),
        (
            Optimizer::MOMENTUM,
            0.1,
            Expected {
                w1: [
                    0.7791982017950583,
                    0.30309203576091703,
                    0.32351644689885223,
                    0.6623846903015649,
                    -0.09757030490924816,
                    -1.15492821183651,
                ],
                b1: [-0.14593383569141027, 0.1884609767469075, 0.08738028884959693],
                w2: [
                    0.8535409114571779,
                    -0.05676391350349609,
                    0.151615905559508,
                    0.30530686746497987,
                    -0.3737045803404213,
                    0.20328453556850207,
                ],
                b2: [-0.09400367826179022, 0.10999813689210643],
            },
        ),
        (
            Optimizer::NESTEROV,
            0.1,
            Expected {
                w1: [
                    0.8088029126364863,
                    0.13521342661329297,
                    0.27948496936540185,
                    0.716274531310385,
                    -0.18021741349446946,
                    -0.8637180859599641,
                ],
                b1: [-0.17110980063425507, 0.17529549005739364, 0.21202767432032144],
                w2: [
                    0.9570603488558292,
                    -0.04889924454364499,
                    0.06526769873481011,
                    0.14317793106393636,
                    -0.1896871588538693,
                    0.36020011722541134,
                ],
                b2: [-0.010466671269826987, 0.08557967614647566],
            },
        ),
        (
            Optimizer::ADAM,
            0.01,
            Expected {
                w1: [
                    0.5212646192967527,
                    -0.18262039150795514,
                    0.3666493514500962,
                    0.7832977072473514,
                    -0.483680362273505,
                    0.03209090067137411,
                ],
                b1: [0.17318012389345339, -0.07882085389021966, -0.06535794209771396],
                w2: [
                    0.8213892919594611,
                    -0.3318038605230117,
                    0.18229359994580888,
                    -0.2332690960428498,
                    0.48350148883987976,
                    0.6856706288987817,
                ],
                b2: [0.2192929610925775, -0.1264000121738077],
            },
        ),
    ];
    for (optimizer, rate, expected) in &cases {
        let losses = twelve_steps(*optimizer, *rate, Freeze::none(), expected);
        if *optimizer == Optimizer::Sgd {
            // Torch's loss before each step; the history's mean over one batch is that loss.
            let torch = [
                0.9245188743231095,
                0.757890338542289,
                0.6428377904998415,
                0.5615960215967736,
                0.5025847879282181,
                0.4584236307339594,
                0.42444819485736374,
                0.39766884679928194,
                0.3761181952937211,
                0.35846306762597874,
                0.3437746072823997,
                0.3313892744603525,
            ];
            for (found, expected) in losses.iter().zip(torch) {
                assert!((found - expected).abs() <= 1e-12 * expected, "{found:?} vs {expected:?}");
            }
        }
    }
}

/// Momentum with L2 and frozen biases against torch with the biases left out of the optimizer
/// (tests/reference/training.py, "frozen biases"): the biases keep their bits, and the weights
/// follow torch's trajectory, so neither L2 nor the velocity touches a frozen parameter.
#[test]
fn frozen_biases_under_momentum_and_l2_follow_torch() {
    let expected = Expected {
        w1: [
            0.7677447933078971,
            0.3253361438565474,
            0.3111823546247261,
            0.6517380166781501,
            -0.062318893911064724,
            -1.1770336698519757,
        ],
        b1: [0.1, -0.2, 0.05],
        w2: [
            0.763583486176568,
            -0.06834075427893767,
            0.21104338791781022,
            0.35651203015480804,
            -0.46675737075810747,
            0.16528229799339267,
        ],
        b2: [0.2, -0.1],
    };
    twelve_steps(Optimizer::MOMENTUM, 0.1, Freeze::all(ParamKind::Biases), &expected);
}

/// Torch's 17 parameters after 12 steps (W1 row-major, b1, W2 row-major, b2), printed by
/// tests/reference/optimizers.py, one constant per case in the script's order.
mod torch_options {
    pub(super) const ADAM_ODD: [f64; 17] = [
        0.5196061804335383,
        -0.18388898850591634,
        0.3634385790784983,
        0.7854429619190163,
        -0.48579424845430724,
        0.03314817871048912,
        0.1660871755556021,
        -0.07923849030466706,
        -0.06299305572680074,
        0.816331152332406,
        -0.3330201011974456,
        0.1843005070917563,
        -0.23498083013594556,
        0.4851151611747891,
        0.6883250985809944,
        0.20736308969387482,
        -0.11362702574096317,
    ];
    pub(super) const RMSPROP_L2: [f64; 17] = [
        0.7010927265064671,
        0.042444117934322546,
        0.4271185527048714,
        0.6092712592590797,
        -0.3415129928415246,
        -0.2345146618608025,
        -0.043620444861209584,
        0.21161149872320142,
        -0.09962433675283547,
        1.070852706780777,
        -0.1167113159809074,
        -0.024962121015041465,
        -0.07415161405991173,
        0.2575993386171533,
        0.6836486856667833,
        0.06275862769690084,
        -0.00524247808978855,
    ];
    pub(super) const RMSPROP_ODD: [f64; 17] = [
        0.5954695435486143,
        -0.12435535919498825,
        0.40414767738393986,
        0.7323026183533773,
        -0.44529992659987117,
        -0.02654288001145879,
        0.15883134542510471,
        -0.011128808654008551,
        -0.11543008231858094,
        0.9013288057608912,
        -0.2708440899562448,
        0.12688669237301023,
        -0.18833712711445236,
        0.4333296473584466,
        0.663367030304824,
        0.1263774851029284,
        -0.050574334017344735,
    ];
    pub(super) const ADAMW: [f64; 17] = [
        0.4962067539622659,
        -0.17048849092464638,
        0.345322458132833,
        0.7359678298278168,
        -0.4540375797791041,
        0.028139569488251706,
        0.15965758675457378,
        -0.07880732364342051,
        -0.06230232561300036,
        0.7796519770844053,
        -0.31044943133479386,
        0.16794353784853625,
        -0.2182821327658776,
        0.45348571336915444,
        0.6454773835616269,
        0.2078067773502648,
        -0.1167972197758055,
    ];
    pub(super) const ADAMW_BIASES: [f64; 17] = [
        0.49623601806654205,
        -0.1703779883987066,
        0.3451689642435109,
        0.7358520278957575,
        -0.4540746878011869,
        0.02812887127010066,
        0.15844403410991922,
        -0.07050265615357065,
        -0.062348180898719935,
        0.7797728011016939,
        -0.3103758259937321,
        0.16783830511345413,
        -0.21830430636834433,
        0.4535126166832036,
        0.6455200223262711,
        0.20325590608279756,
        -0.11445433537397078,
    ];
    pub(super) const ADAMW_L2: [f64; 17] = [
        0.49630836385496574,
        -0.17048143889842204,
        0.34486982891210455,
        0.7356495139414125,
        -0.4539199064250492,
        0.028150087753369045,
        0.1596344597669069,
        -0.07880707978537643,
        -0.062300167683319724,
        0.7801976816762795,
        -0.3104322217377158,
        0.16799859163418107,
        -0.21826373071335303,
        0.4534412336248723,
        0.6452588593389387,
        0.20778995852097515,
        -0.1167924891300012,
    ];
    pub(super) const ADAMW_BIASES_L2: [f64; 17] = [
        0.4963687445187914,
        -0.17032928832928046,
        0.34463956122898376,
        0.7355105941204956,
        -0.4539606748183356,
        0.028135813308436636,
        0.1575371369153273,
        -0.07061224680908111,
        -0.0622920683564125,
        0.7803579347924486,
        -0.31031540063024865,
        0.16784850795283568,
        -0.21829203704220712,
        0.4534555058172882,
        0.6453105439487183,
        0.19995817878369687,
        -0.11264992943877894,
    ];
    pub(super) const SGD_BIASES: [f64; 17] = [
        0.496134644573227,
        0.0061158466699259735,
        0.27372596414286904,
        0.8545832702679796,
        -0.4342297554035065,
        -0.32408084107753354,
        0.0812027686783352,
        -0.06339209980624688,
        0.020329621852567602,
        0.7675118930062054,
        -0.25484116311250565,
        0.1554090564543044,
        -0.11523208658958316,
        0.28716312348899575,
        0.7142198126927594,
        0.18702647029498454,
        -0.04436105761761377,
    ];
    pub(super) const MOMENTUM_BIASES: [f64; 17] = [
        0.7803737724532627,
        0.30367515182205307,
        0.3234446940252564,
        0.6620350647996657,
        -0.09797623778196049,
        -1.1547918728729976,
        -0.1453083438442712,
        0.19118616091615578,
        0.08713434755774067,
        0.8552011803595454,
        -0.05589497102701158,
        0.15066915483376228,
        0.3042411161414204,
        -0.37332539272131837,
        0.2041179477649796,
        -0.09554936822443881,
        0.11059582020353365,
    ];
    pub(super) const ADAM_BIASES: [f64; 17] = [
        0.5212907685315036,
        -0.18259049431574553,
        0.3666111652104062,
        0.7832719031159914,
        -0.48368397669441754,
        0.032088502341463015,
        0.1722582259567357,
        -0.07888491358625037,
        -0.06531509144775914,
        0.8215048102027653,
        -0.33177332391826203,
        0.18225326156993368,
        -0.233273533869783,
        0.48349274159689115,
        0.6856783425391293,
        0.21592885127135475,
        -0.12455240170463668,
    ];
    pub(super) const ADAMW_FROZEN_BIASES: [f64; 17] = [
        0.49632253975459745,
        -0.16940231153210397,
        0.3427624614164117,
        0.7340083006413379,
        -0.45302569722660524,
        0.027772847417484703,
        0.1,
        -0.2,
        0.05,
        0.7805484053811184,
        -0.30941103402165615,
        0.16714606295131523,
        -0.21829164104990473,
        0.4521514699618133,
        0.6451035253423675,
        0.2,
        -0.1,
    ];
}

/// The reference network trained for 12 whole-batch steps under `optimizer` at `rate` with
/// coupled L2 `l2`, `decay_biases` and `freeze`: the largest relative difference from torch's
/// 17 parameters, each checked to 1e-12.
fn options_follow_torch(
    optimizer: Optimizer,
    rate: f64,
    l2: f64,
    decay_biases: bool,
    freeze: Freeze,
    expected: &[f64; 17],
) -> f64 {
    let (mut network, data) = reference_network_and_data();
    let config = TrainConfig {
        epochs: 12,
        batch_size: 4,
        optimizer,
        learning_rate: rate,
        l2,
        decay_biases,
        shuffle: false,
        threads: 1,
        freeze,
        ..TrainConfig::default()
    };
    train(&mut network, &data, None, &config).unwrap();
    let layers = network.layers();
    let mut found: Vec<f64> = Vec::new();
    for layer in layers {
        found.extend(layer.weights().transpose().iter());
        found.extend(layer.bias().unwrap().iter());
    }
    let mut largest: f64 = 0.0;
    for (index, (&found, &expected)) in found.iter().zip(expected).enumerate() {
        let scale = found.abs().max(expected.abs());
        let relative = if scale == 0.0 { 0.0 } else { (found - expected).abs() / scale };
        assert!(
            relative <= 1e-12,
            "{optimizer:?} parameter {index}: {found:?}, torch {expected:?}"
        );
        largest = largest.max(relative);
    }
    largest
}

/// Adam with non-default β₁, β₂, ε; RMSprop; AdamW with and without bias decay and coupled L2;
/// `decay_biases` under SGD, momentum and Adam (torch's plain weight_decay on every
/// parameter): 12 steps each against torch float64 (tests/reference/optimizers.py). A β or ε
/// not reaching the rule, AdamW's decay coupled instead of decoupled, applied after the
/// update, to biases without `decay_biases` or not to them with it, RMSprop's ε inside the
/// root or its α swapped for 1 − α: each moves every case it touches far beyond 1e-12.
/// `cargo test --release --test integration optimizer_options -- --nocapture` prints the
/// closing note's table.
#[test]
fn optimizer_options_follow_torchs_trajectories() {
    use torch_options::*;
    let adamw =
        |weight_decay| Optimizer::AdamW { beta1: 0.85, beta2: 0.99, epsilon: 1e-7, weight_decay };
    let cases = [
        (
            "adam β₁ 0.8 β₂ 0.95 ε 1e-3, L2",
            Optimizer::Adam { beta1: 0.8, beta2: 0.95, epsilon: 1e-3 },
            0.01,
            0.01,
            false,
            &ADAM_ODD,
        ),
        ("rmsprop defaults, L2", Optimizer::RMSPROP, 0.01, 0.01, false, &RMSPROP_L2),
        (
            "rmsprop α 0.9 ε 1e-3",
            Optimizer::RmsProp { alpha: 0.9, epsilon: 1e-3 },
            0.01,
            0.0,
            false,
            &RMSPROP_ODD,
        ),
        ("adamw λ 0.5", adamw(0.5), 0.01, 0.0, false, &ADAMW),
        ("adamw λ 0.5, decay biases", adamw(0.5), 0.01, 0.0, true, &ADAMW_BIASES),
        ("adamw λ 0.5, L2", adamw(0.5), 0.01, 0.01, false, &ADAMW_L2),
        ("adamw λ 0.5, L2, decay biases", adamw(0.5), 0.01, 0.01, true, &ADAMW_BIASES_L2),
        ("sgd, L2, decay biases", Optimizer::Sgd, 0.1, 0.01, true, &SGD_BIASES),
        ("momentum, L2, decay biases", Optimizer::MOMENTUM, 0.1, 0.01, true, &MOMENTUM_BIASES),
        ("adam, L2, decay biases", Optimizer::ADAM, 0.01, 0.01, true, &ADAM_BIASES),
    ];
    println!("| rule | steps | largest relative difference |");
    for (name, optimizer, rate, l2, decay_biases, expected) in cases {
        let largest =
            options_follow_torch(optimizer, rate, l2, decay_biases, Freeze::none(), expected);
        println!("| {name} | 12 | {largest:.1e} |");
    }
}

/// AdamW with bias decay and L2, biases frozen, against torch with the biases out of the
/// optimizer: the biases keep their bits (neither decay touches a frozen parameter) and the
/// weights follow torch's trajectory.
#[test]
fn frozen_biases_under_adamw_do_not_decay() {
    let optimizer = Optimizer::AdamW { beta1: 0.85, beta2: 0.99, epsilon: 1e-7, weight_decay: 0.5 };
    let freeze = Freeze::all(ParamKind::Biases);
    options_follow_torch(optimizer, 0.01, 0.01, true, freeze, &torch_options::ADAMW_FROZEN_BIASES);
    let (mut network, data) = reference_network_and_data();
    let config = TrainConfig {
        epochs: 12,
        batch_size: 4,
        optimizer,
        learning_rate: 0.01,
        l2: 0.01,
        decay_biases: true,
        threads: 1,
        freeze: Freeze::all(ParamKind::Biases),
        ..TrainConfig::default()
    };
    train(&mut network, &data, None, &config).unwrap();
    assert_eq!(network.layers()[0].bias().unwrap().as_slice(), &[0.1, -0.2, 0.05]);
    assert_eq!(network.layers()[1].bias().unwrap().as_slice(), &[0.2, -0.1]);
}
